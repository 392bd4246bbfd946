//! Byte offsets to lines and columns: one index shared by farm files, imports and
//! audited configurations.

/// Maps byte offsets of a source text to 1-based lines and character columns.
#[derive(Clone, Debug)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    /// The 0-based line holding byte offset `at`.
    pub(crate) fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).max(1) - 1
    }

    /// The byte offset where 0-based line `line` starts.
    pub(crate) fn start_of(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(0)
    }

    /// The byte offset where 0-based line `line` ends (before its newline).
    pub(crate) fn end_of(&self, line: usize, text: &str) -> usize {
        match self.starts.get(line + 1) {
            Some(&next) => {
                let e = next - 1;
                if e > 0 && text.as_bytes().get(e - 1) == Some(&b'\r') {
                    e - 1
                } else {
                    e
                }
            }
            None => text.len(),
        }
    }

    /// 1-based (line, column) of byte offset `at`, column counted in characters.
    pub(crate) fn position(&self, text: &str, at: usize) -> (usize, usize) {
        let at = at.min(text.len());
        let line = self.starts.partition_point(|&s| s <= at).max(1);
        let start = self.starts[line - 1];
        let mut end = at;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        (line, column)
    }
}
