//! QR codes: finding every code in an image (PNG, JPEG, raw RGBA or grey pixels, light-on-dark
//! too, small codes in a 4K screenshot) with `rxing`, and drawing one with `qrcode` as SVG, PNG
//! or terminal text.

use std::collections::HashSet;
use std::io::Cursor;

use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::multi::qrcode::QRCodeMultiReader;
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHintValue, DecodeHints, Luma8LuminanceSource,
    MultiUseMultiFormatReader,
};

/// Why no QR text came out of an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The bytes are not an image we can read.
    #[error("image: cannot read it ({reason})")]
    Image {
        /// What the decoder said.
        reason: String,
    },
    /// The pixel buffer does not match the dimensions given.
    #[error("image: {width}×{height} needs {expected} bytes, got {actual}")]
    Dimensions {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The image is readable but holds no QR code.
    #[error("no QR code found in the image")]
    NoCode,
    /// Text too long for a QR code.
    #[error("text too long for a QR code")]
    TooLong,
}

/// The largest image side we decode; bigger images are refused instead of exhausting memory.
pub const MAX_SIDE: u32 = 16_384;

/// Every QR code in an encoded image (PNG, JPEG…), in the order found, without duplicates.
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::Image {
            reason: e.to_string(),
        })?;
    let (width, height) = reader.into_dimensions().map_err(|e| QrError::Image {
        reason: e.to_string(),
    })?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(QrError::Image {
            reason: format!("{width}×{height} is too large"),
        });
    }
    let img = image::load_from_memory(bytes).map_err(|e| QrError::Image {
        reason: e.to_string(),
    })?;
    let luma = img.into_luma8();
    let (w, h) = luma.dimensions();
    decode_luma(w, h, luma.into_raw())
}

/// Every QR code in raw RGBA pixels (4 bytes a pixel, rows top to bottom).
pub fn decode_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<String>, QrError> {
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(QrError::Dimensions {
            width,
            height,
            expected,
            actual: rgba.len(),
        });
    }
    let luma = rgba
        .chunks_exact(4)
        .map(|p| {
            let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
            ((r * 299 + g * 587 + b * 114) / 1000) as u8
        })
        .collect();
    decode_luma(width, height, luma)
}

/// Every QR code in grey pixels (1 byte a pixel).
pub fn decode_luma(width: u32, height: u32, luma: Vec<u8>) -> Result<Vec<String>, QrError> {
    let expected = width as usize * height as usize;
    if luma.len() != expected || width == 0 || height == 0 {
        return Err(QrError::Dimensions {
            width,
            height,
            expected,
            actual: luma.len(),
        });
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(QrError::Image {
            reason: format!("{width}×{height} is too large"),
        });
    }
    // Cheapest first: one binarisation, every code found in one pass; then light-on-dark; then
    // the slower exhaustive row scan (small or damaged codes); last the single-code reader, which
    // sometimes locks onto a code the multi-code detector missed.
    let source = Luma8LuminanceSource::new(luma, width, height).map_err(|e| QrError::Image {
        reason: e.to_string(),
    })?;
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let quick = DecodeHints::default().with(DecodeHintValue::PossibleFormats(HashSet::from([
        BarcodeFormat::QR_CODE,
    ])));
    let thorough = quick.clone().with(DecodeHintValue::TryHarder(true));
    for hints in [&quick, &thorough] {
        for inverted in [false, true] {
            if inverted {
                bitmap.invert();
            }
            let found = QRCodeMultiReader::new().decode_multiple_with_hints(&mut bitmap, hints);
            if inverted {
                bitmap.invert();
            }
            let texts = unique_texts(found.unwrap_or_default());
            if !texts.is_empty() {
                return Ok(texts);
            }
        }
    }
    let mut single = MultiUseMultiFormatReader::default();
    single.set_hints(&thorough.clone().with(DecodeHintValue::AlsoInverted(true)));
    match single.decode_with_state(&mut bitmap) {
        Ok(r) => Ok(vec![r.getText().to_owned()]),
        Err(_) => Err(QrError::NoCode),
    }
}

fn unique_texts(results: Vec<rxing::RXingResult>) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    for r in results {
        let text = r.getText().to_owned();
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    texts
}

fn code(text: &str) -> Result<qrcode::QrCode, QrError> {
    qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| QrError::TooLong)
}

/// The QR code of `text` as an SVG document.
pub fn encode_svg(text: &str) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// The QR code of `text` as a PNG, `module_px` pixels per module, with a quiet zone.
pub fn encode_png(text: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    let img = code(text)?
        .render::<image::Luma<u8>>()
        .module_dimensions(module_px.max(1), module_px.max(1))
        .quiet_zone(true)
        .build();
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| QrError::Image {
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// The QR code of `text` as grey pixels: (side, pixels), `module_px` pixels per module.
pub fn encode_luma(text: &str, module_px: u32) -> Result<(u32, Vec<u8>), QrError> {
    let img = code(text)?
        .render::<image::Luma<u8>>()
        .module_dimensions(module_px.max(1), module_px.max(1))
        .quiet_zone(true)
        .build();
    Ok((img.width(), img.into_raw()))
}

/// The QR code of `text` drawn with Unicode half blocks for a terminal (dark on light).
pub fn encode_terminal(text: &str) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}
