//! Randomness as an argument: the shells pass [`OsEntropy`], tests pass fixed bytes so that vault
//! files and ids are reproducible.

/// The operating system's random source failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct EntropyError(String);

/// A source of random bytes.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError>;
}

/// The operating system's cryptographic random source (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        getrandom::fill(buf).map_err(|e| EntropyError(e.to_string()))
    }
}

/// A deterministic source for tests and test vectors: repeats the given bytes.
#[derive(Debug, Clone)]
pub struct FixedEntropy {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedEntropy {
    /// A source that cycles through `bytes` (which must not be empty).
    pub fn new(bytes: &[u8]) -> Self {
        let bytes = if bytes.is_empty() {
            vec![0]
        } else {
            bytes.to_vec()
        };
        Self { bytes, pos: 0 }
    }
}

impl Entropy for FixedEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), EntropyError> {
        for b in buf {
            *b = self.bytes[self.pos % self.bytes.len()];
            self.pos += 1;
        }
        Ok(())
    }
}
