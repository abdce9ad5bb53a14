//! QR decoding on real-world shapes: several sizes, small codes in noisy 1080p and 4K screenshots,
//! rotation, inversion, JPEG compression, several codes at once, raw RGBA; and the refusals.

#[path = "support/screens.rs"]
mod screens;

use screens::{Canvas, sample_uri};
use twofold_core::qr::{self, QrError};

fn code_pixels(text: &str, module_px: u32) -> (u32, Vec<u8>) {
    qr::encode_luma(text, module_px).unwrap()
}

fn assert_found(found: Result<Vec<String>, QrError>, want: &[&str], what: &str) {
    let found = found.unwrap_or_else(|e| panic!("{what}: {e}"));
    for w in want {
        assert!(found.iter().any(|f| f == w), "{what}: {w} not in {found:?}");
    }
}

#[test]
fn plain_codes_at_several_sizes() {
    let uri = sample_uri(1);
    for module_px in [1, 2, 3, 5, 8, 12] {
        let png = qr::encode_png(&uri, module_px).unwrap();
        assert_found(
            qr::decode_image(&png),
            &[&uri],
            &format!("{module_px} px/module"),
        );
    }
}

fn screenshot(
    width: u32,
    height: u32,
    module_px: u32,
    degrees: f64,
    seed: u64,
) -> (Canvas, String) {
    let uri = sample_uri(seed as usize);
    let mut c = Canvas::desktop(width, height, seed);
    let (side, px) = code_pixels(&uri, module_px);
    let (cx, cy) = (f64::from(width) * 0.63, f64::from(height) * 0.41);
    c.paste_rotated(&px, side, cx, cy, degrees);
    (c, uri)
}

#[test]
fn small_code_in_noisy_1080p_screenshot() {
    for (module_px, seed) in [(2, 1), (3, 2), (4, 3)] {
        let (c, uri) = screenshot(1920, 1080, module_px, 0.0, seed);
        assert_found(
            qr::decode_image(&c.png()),
            &[&uri],
            &format!("1080p, {module_px} px/module"),
        );
    }
}

#[test]
fn small_code_in_noisy_4k_screenshot() {
    for (module_px, seed) in [(3, 4), (4, 5)] {
        let (c, uri) = screenshot(3840, 2160, module_px, 0.0, seed);
        assert_found(
            qr::decode_image(&c.png()),
            &[&uri],
            &format!("4K, {module_px} px/module"),
        );
    }
}

#[test]
fn rotated_codes() {
    for (degrees, seed) in [(8.0, 6), (15.0, 7), (45.0, 8), (90.0, 9), (180.0, 10)] {
        let (c, uri) = screenshot(1920, 1080, 4, degrees, seed);
        assert_found(
            qr::decode_image(&c.png()),
            &[&uri],
            &format!("rotated {degrees}°"),
        );
    }
}

#[test]
fn inverted_screenshot() {
    let (mut c, uri) = screenshot(1920, 1080, 3, 0.0, 11);
    c.invert();
    assert_found(qr::decode_image(&c.png()), &[&uri], "inverted 1080p");
}

#[test]
fn inverted_code_alone() {
    let uri = sample_uri(12);
    let (side, px) = code_pixels(&uri, 4);
    let mut c = Canvas::blank(side, side, 0);
    c.pixels = px.iter().map(|p| 255 - p).collect();
    assert_found(qr::decode_image(&c.png()), &[&uri], "light on dark");
}

#[test]
fn jpeg_compressed_screenshots() {
    for (quality, seed) in [(75, 13), (40, 14), (20, 15)] {
        let (c, uri) = screenshot(1920, 1080, 3, 0.0, seed);
        assert_found(
            qr::decode_image(&c.jpeg(quality)),
            &[&uri],
            &format!("JPEG q{quality}"),
        );
    }
}

#[test]
fn several_codes_in_one_screenshot() {
    let mut c = Canvas::desktop(1920, 1080, 16);
    let uris: Vec<String> = (20..23).map(sample_uri).collect();
    for (i, uri) in uris.iter().enumerate() {
        let (side, px) = code_pixels(uri, 4);
        c.paste_rotated(&px, side, 300.0 + 600.0 * i as f64, 540.0, 0.0);
    }
    let want: Vec<&str> = uris.iter().map(String::as_str).collect();
    assert_found(qr::decode_image(&c.png()), &want, "three codes");
}

#[test]
fn raw_rgba_pixels() {
    let (c, uri) = screenshot(1280, 800, 3, 0.0, 17);
    assert_found(
        qr::decode_rgba(c.width, c.height, &c.rgba()),
        &[&uri],
        "RGBA",
    );
}

#[test]
fn an_image_without_a_code_says_so() {
    let c = Canvas::desktop(1280, 800, 18);
    assert_eq!(qr::decode_image(&c.png()), Err(QrError::NoCode));
    assert_eq!(
        qr::decode_image(&Canvas::blank(64, 64, 255).png()),
        Err(QrError::NoCode)
    );
}

#[test]
fn bytes_that_are_no_image_say_so() {
    assert!(matches!(
        qr::decode_image(b"definitely not a PNG"),
        Err(QrError::Image { .. })
    ));
    assert!(matches!(qr::decode_image(&[]), Err(QrError::Image { .. })));
}

#[test]
fn wrong_rgba_length_says_so() {
    assert!(matches!(
        qr::decode_rgba(10, 10, &[0; 399]),
        Err(QrError::Dimensions { .. })
    ));
}

#[test]
fn svg_and_terminal_renderings() {
    let uri = sample_uri(19);
    let svg = qr::encode_svg(&uri).unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let term = qr::encode_terminal(&uri).unwrap();
    assert!(term.lines().count() > 20);
    assert_eq!(qr::encode_svg(&"x".repeat(5000)), Err(QrError::TooLong));
}
