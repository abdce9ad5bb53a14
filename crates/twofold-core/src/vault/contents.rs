//! The decrypted contents of a vault: the accounts in the user's order, and adding one unless
//! it is there already.

use std::collections::HashMap;

use crate::account::{Account, AccountDraft, AccountId, Labels};
use crate::entropy::{Entropy, EntropyError};
use crate::otp::Method;

/// The decrypted contents of a vault.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    /// The accounts, in the user's order.
    pub accounts: Vec<Account>,
}

/// Why an account was not added.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AddError {
    /// An account with the same secret is already in the vault.
    #[error("{name} is already in the vault")]
    Duplicate {
        /// The existing account's id.
        existing: AccountId,
        /// The existing account's display name.
        name: String,
    },
    /// No random id could be made.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

impl Contents {
    /// Adds an account unless one with the same secret is there already.
    pub fn add(
        &mut self,
        draft: AccountDraft,
        entropy: &mut dyn Entropy,
        now: u64,
    ) -> Result<AccountId, AddError> {
        if let Some(existing) = self.find_duplicate(&draft) {
            return Err(AddError::Duplicate {
                existing: existing.id.clone(),
                name: existing.display_name(),
            });
        }
        let id = AccountId::random(entropy)?;
        self.accounts
            .push(Account::from_draft(draft, id.clone(), now));
        Ok(id)
    }

    /// Adds many accounts with their labels in one pass (an import of thousands): each unless
    /// one with the same secret for the same kind of code is there already or was added
    /// earlier in the same call — one hash lookup each, not a scan of the list. In order, what
    /// became of each; only a failing random source stops it.
    pub fn add_labelled(
        &mut self,
        entries: impl IntoIterator<Item = (AccountDraft, Labels)>,
        entropy: &mut dyn Entropy,
        now: u64,
    ) -> Result<Vec<Result<AccountId, AddError>>, EntropyError> {
        let mut index = self.duplicate_index();
        let mut out = Vec::new();
        for (draft, labels) in entries {
            let key = duplicate_key(&draft.secret, draft.params.method());
            if let Some(&at) = index.get(&key) {
                let existing: &Account = &self.accounts[at];
                out.push(Err(AddError::Duplicate {
                    existing: existing.id.clone(),
                    name: existing.display_name(),
                }));
                continue;
            }
            let id = AccountId::random(entropy)?;
            let mut account = Account::from_draft(draft, id.clone(), now);
            labels.apply_to(&mut account);
            index.insert(key, self.accounts.len());
            self.accounts.push(account);
            out.push(Ok(id));
        }
        Ok(out)
    }

    /// Where each secret (for each kind of code) is in the list, for duplicate checks of many
    /// drafts at once.
    pub fn duplicate_index(&self) -> HashMap<DuplicateKey, usize> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (duplicate_key(&a.secret, a.params.method()), i))
            .collect()
    }

    /// The account that `draft` would duplicate, if any.
    pub fn find_duplicate(&self, draft: &AccountDraft) -> Option<&Account> {
        self.accounts.iter().find(|a| a.is_duplicate_of(draft))
    }

    /// Accounts matching `query` (see [`Account::matches`]).
    pub fn search(&self, query: &str) -> Vec<&Account> {
        self.accounts.iter().filter(|a| a.matches(query)).collect()
    }

    /// The account with this id.
    pub fn get(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.iter().find(|a| &a.id == id)
    }

    /// The account with this id, mutably.
    pub fn get_mut(&mut self, id: &AccountId) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| &a.id == id)
    }

    /// Removes and returns the account with this id.
    pub fn remove(&mut self, id: &AccountId) -> Option<Account> {
        let index = self.accounts.iter().position(|a| &a.id == id)?;
        Some(self.accounts.remove(index))
    }
}

/// What makes two accounts the same one: the seed and the kind of code (a hash of the seed, so
/// that the key itself holds no secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DuplicateKey([u8; 32], u8);

/// The duplicate key of a seed and a kind of code.
pub fn duplicate_key(secret: &crate::Secret, method: Method) -> DuplicateKey {
    use sha2::Digest;
    let kind = match method {
        Method::Totp { .. } => 0,
        Method::Hotp { .. } => 1,
        Method::Steam { .. } => 2,
    };
    DuplicateKey(sha2::Sha256::digest(secret.expose()).into(), kind)
}
