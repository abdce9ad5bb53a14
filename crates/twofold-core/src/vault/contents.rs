//! The decrypted contents of a vault: the accounts in the user's order, and adding one unless
//! it is there already.

use crate::account::{Account, AccountDraft, AccountId};
use crate::entropy::{Entropy, EntropyError};

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
