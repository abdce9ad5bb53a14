//! Synthetic screenshots for QR tests and benchmarks: a cluttered "desktop" (windows, text-like
//! rows, icons, noise) with QR codes pasted in at a given scale, angle and polarity.

#![allow(dead_code)]

use std::io::Cursor;

/// A grey image.
pub struct Canvas {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// A small deterministic random generator (so failures reproduce).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n.max(1))) as u32
    }
}

impl Canvas {
    pub fn blank(width: u32, height: u32, shade: u8) -> Self {
        Self {
            width,
            height,
            pixels: vec![shade; (width * height) as usize],
        }
    }

    /// A busy desktop: panels, windows with title bars, rows of glyph-like marks, square icons
    /// (some with finder-pattern-like rings) and sensor noise.
    pub fn desktop(width: u32, height: u32, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut c = Self::blank(width, height, 200);
        c.fill(0, 0, width, 28, 40);
        for _ in 0..(width * height / 200_000).max(4) {
            let (w, h) = (200 + rng.below(width / 3), 150 + rng.below(height / 3));
            let (x, y) = (
                rng.below(width.saturating_sub(w)),
                28 + rng.below(height.saturating_sub(h + 28)),
            );
            let shade = 215 + rng.below(40) as u8;
            c.fill(x, y, w, h, shade);
            c.fill(x, y, w, 24, 90 + rng.below(60) as u8);
            let mut row = y + 34;
            while row + 10 < y + h {
                let mut col = x + 8;
                while col + 8 < x + w - 8 {
                    let glyph = 3 + rng.below(7);
                    if rng.below(6) != 0 {
                        c.fill(col, row, glyph, 9, 30 + rng.below(50) as u8);
                    }
                    col += glyph + 2;
                }
                row += 16;
            }
        }
        for _ in 0..(width * height / 40_000) {
            let s = 16 + rng.below(32);
            let (x, y) = (rng.below(width - s), rng.below(height - s));
            c.fill(x, y, s, s, rng.below(255) as u8);
            if rng.below(3) == 0 {
                c.fill(x + s / 4, y + s / 4, s / 2, s / 2, 255);
                c.fill(x + s * 3 / 8, y + s * 3 / 8, s / 4, s / 4, 0);
            }
        }
        c.noise(&mut rng, 12);
        c
    }

    pub fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, shade: u8) {
        for yy in y..(y + h).min(self.height) {
            let row = (yy * self.width) as usize;
            for xx in x..(x + w).min(self.width) {
                self.pixels[row + xx as usize] = shade;
            }
        }
    }

    pub fn noise(&mut self, rng: &mut Rng, amplitude: u32) {
        for p in &mut self.pixels {
            let delta = rng.below(2 * amplitude + 1) as i32 - amplitude as i32;
            *p = (i32::from(*p) + delta).clamp(0, 255) as u8;
        }
    }

    pub fn invert(&mut self) {
        for p in &mut self.pixels {
            *p = 255 - *p;
        }
    }

    /// Pastes a square grey image centred at (cx, cy), rotated by `degrees`, bilinear.
    pub fn paste_rotated(&mut self, src: &[u8], side: u32, cx: f64, cy: f64, degrees: f64) {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let half = f64::from(side) / 2.0;
        let reach = (half * std::f64::consts::SQRT_2).ceil() as i64 + 1;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let (x, y) = (cx as i64 + dx, cy as i64 + dy);
                if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
                    continue;
                }
                let (fx, fy) = (x as f64 - cx, y as f64 - cy);
                let sx = cos * fx + sin * fy + half;
                let sy = -sin * fx + cos * fy + half;
                if sx < 0.0 || sy < 0.0 || sx >= f64::from(side - 1) || sy >= f64::from(side - 1) {
                    continue;
                }
                let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
                let (tx, ty) = (sx - f64::from(x0), sy - f64::from(y0));
                let at = |xx: u32, yy: u32| f64::from(src[(yy * side + xx) as usize]);
                let v = at(x0, y0) * (1.0 - tx) * (1.0 - ty)
                    + at(x0 + 1, y0) * tx * (1.0 - ty)
                    + at(x0, y0 + 1) * (1.0 - tx) * ty
                    + at(x0 + 1, y0 + 1) * tx * ty;
                self.pixels[(y as u32 * self.width + x as u32) as usize] = v.round() as u8;
            }
        }
    }

    pub fn png(&self) -> Vec<u8> {
        let img = image::GrayImage::from_raw(self.width, self.height, self.pixels.clone()).unwrap();
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    pub fn jpeg(&self, quality: u8) -> Vec<u8> {
        let img = image::GrayImage::from_raw(self.width, self.height, self.pixels.clone()).unwrap();
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        img.write_with_encoder(enc).unwrap();
        out
    }

    pub fn rgba(&self) -> Vec<u8> {
        self.pixels.iter().flat_map(|&p| [p, p, p, 255]).collect()
    }
}

/// A typical enrollment URI (GitHub-like, 160-bit secret), different for every `i`.
pub fn sample_uri(i: usize) -> String {
    let mut seed = [0u8; 20];
    seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
    seed[8..].copy_from_slice(b"twofold-demo");
    format!(
        "otpauth://totp/Example%20{i}:alice{i}@example.com?secret={}&issuer=Example%20{i}&algorithm=SHA1&digits=6&period=30",
        data_encoding::BASE32_NOPAD.encode(&seed)
    )
}
