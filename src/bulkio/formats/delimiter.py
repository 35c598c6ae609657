"""The field delimiter of a CSV import: the caller's option, Excel's `sep=` line, or the header.

The first that applies wins:
1. the `delimiter` option of the request (any one character but a quote, CR or LF);
2. a first line `sep=X`, as Excel writes and reads it (the line is skipped, and still counted:
   the header is then line 2);
3. the one of `,` `;` tab `|` found most often outside quotes in the header line, the first of
   them in that order on a tie, `,` when there is none (a header of one column).
Only the header line is looked at (a line is bounded by `ReadLimits.max_record`), so the choice
depends on nothing a row further down holds.
"""

from __future__ import annotations

from bulkio.domain.errors import InvalidRequest, SourceUnreadable

DELIMITERS = (",", ";", "\t", "|")
_REFUSED = frozenset('"\r\n')
_SEP = "sep="


def delimiter_option(raw: str | None) -> str | None:
    """The delimiter a request asks for; None (also for "") means detect it.

    Raises `InvalidRequest` naming the field `delimiter` and the value when it is not one
    character, or is a quote, CR or LF (the csv module could not read with it)."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) != 1 or raw in _REFUSED:
        raise InvalidRequest(
            f"delimiter must be one character other than a double quote, CR or LF "
            f"(such as ';', '|' or a tab), got {raw!r}", field="delimiter")
    return raw


def sep_line(line: str) -> str | None:
    """The delimiter an Excel `sep=X` line names, or None when `line` is not such a line.

    Raises `SourceUnreadable` when it names a character no CSV file can be split on."""
    text = line.rstrip("\r\n")
    if len(text) != len(_SEP) + 1 or not text.lower().startswith(_SEP):
        return None
    named = text[-1]
    if named in _REFUSED:
        raise SourceUnreadable(f"the first line {text!r} names a delimiter no CSV file can use")
    return named


def detect_delimiter(header: str) -> str:
    """The delimiter of a header line: the candidate found most often outside quotes."""
    # Splitting on quotes leaves the unquoted stretches at the even places ("" inside a quoted
    # value splits into an empty stretch, which holds nothing to count).
    unquoted = header.split('"')[::2]
    counts = {d: sum(part.count(d) for part in unquoted) for d in DELIMITERS}
    best = max(DELIMITERS, key=counts.__getitem__)  # the first of the best on a tie
    return best if counts[best] else ","


def named(delimiter: str) -> str:
    """A delimiter as a message shows it: `';'`, or `a tab`."""
    return "a tab ('\\t')" if delimiter == "\t" else repr(delimiter)
