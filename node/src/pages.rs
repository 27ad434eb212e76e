//! Splitting a token's file list between the head (newest [`MAX_FILES`] entries) and
//! `px-files/1` pages behind `filesIndex`.
//!
//! Pages are cut from the OLDEST end: the oldest 256 entries fill the last page, the next 256
//! the one before, and only the newest page is partial. So an upload that pushes one entry out
//! of the head changes only the newest page; every full page keeps its bytes and its CID, and
//! the node re-stores one page per upload, not all of them.

use px_metadata::{Cid, EncodedPage, FileEntry, FilesPage, MAX_FILES};

use crate::error::NodeError;

/// Where a token's entries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The head's `files` (newest first).
    pub head_files: Vec<FileEntry>,
    /// The head's `filesIndex`: the newest page, if any.
    pub files_index: Option<Cid>,
    /// Every page, newest first (the first is `files_index`).
    pub pages: Vec<EncodedPage>,
}

/// Lays out `files` (newest first).
pub fn layout(files: &[FileEntry]) -> Result<Layout, NodeError> {
    let split = files.len().min(MAX_FILES);
    let (head, older) = files.split_at(split);
    // Oldest first, so that chunk boundaries stay put as entries are added at the new end.
    let oldest_first: Vec<&FileEntry> = older.iter().rev().collect();
    let mut pages: Vec<EncodedPage> = Vec::new();
    for chunk in oldest_first.chunks(MAX_FILES) {
        let next = pages.last().map(|p| Cid::from(p.cid));
        let newest_first: Vec<FileEntry> = chunk.iter().rev().map(|e| (*e).clone()).collect();
        pages.push(FilesPage::new(newest_first, next)?.encode());
    }
    pages.reverse();
    let files_index = pages.first().map(|p| Cid::from(p.cid));
    Ok(Layout { head_files: head.to_vec(), files_index, pages })
}

#[cfg(test)]
mod tests {
    use px_metadata::{RawBlockCid, Timestamp};

    use super::*;

    fn entries(n: usize) -> Vec<FileEntry> {
        // Entry i is the i-th upload; the list is newest first.
        (0..n)
            .rev()
            .map(|i| FileEntry {
                cid: RawBlockCid::of(&i.to_be_bytes()).into(),
                size: i as u64,
                added_at: Timestamp::from_unix(1_800_000_000 + i64::try_from(i).unwrap()).unwrap(),
            })
            .collect()
    }

    fn walk(layout: &Layout) -> Vec<FileEntry> {
        let mut all = layout.head_files.clone();
        let mut next = layout.files_index.clone();
        while let Some(cid) = next {
            let page = layout.pages.iter().find(|p| Cid::from(p.cid) == cid).expect("linked page");
            all.extend(page.page.files.clone());
            next = page.page.next.clone();
        }
        all
    }

    #[test]
    fn keeps_everything_in_the_head_up_to_max_files() {
        let l = layout(&entries(MAX_FILES)).unwrap();
        assert_eq!(l.head_files.len(), MAX_FILES);
        assert!(l.files_index.is_none() && l.pages.is_empty());
    }

    #[test]
    fn pages_older_entries_and_walking_them_gives_every_entry_in_order() {
        for n in [MAX_FILES + 1, 2 * MAX_FILES, 3 * MAX_FILES + 7] {
            let files = entries(n);
            let l = layout(&files).unwrap();
            assert_eq!(walk(&l), files, "n = {n}");
            assert!(l.pages.iter().all(|p| p.page.files.len() <= MAX_FILES));
        }
    }

    #[test]
    fn one_more_upload_changes_only_the_newest_page() {
        let before = layout(&entries(3 * MAX_FILES + 7)).unwrap();
        let after = layout(&entries(3 * MAX_FILES + 8)).unwrap();
        assert_eq!(before.pages.len(), after.pages.len());
        assert_ne!(before.pages[0].cid, after.pages[0].cid);
        assert_eq!(before.pages[1..], after.pages[1..], "full pages keep their bytes");
    }
}
