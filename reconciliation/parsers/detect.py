"""Reading a statement file safely: size limit, format sniffing, text encoding.

Why a size limit checked *before* reading: an upload is untrusted. A path is
refused from its ``stat`` size; a stream is read in chunks and refused as soon
as it passes the limit, so at most ``max_bytes + 1`` bytes are ever held. The
parsers then work from those bytes (camt.053 by ``iterparse``, clearing each
statement when done; XLSX in openpyxl's read-only mode), so memory stays
bounded by a small multiple of the limit.

Why sniff rather than trust the file name: finance staff download files named
``download(3).txt``; the content says what they are.

Encodings: Chinese bank exports come as GB18030 (GBK), UTF-8 or UTF-8 with a
byte-order mark. Strict UTF-8 is tried first (GB18030 text with Chinese
characters is practically never valid UTF-8), then strict GB18030; anything
else is refused with charset-normalizer's guess in the message, rather than
decoded into mojibake that would then be matched against the ledger.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError, invalid
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers.common import sha256_hex

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""20 MiB: a year of a busy account's statements is far below this."""

_CHUNK = 1024 * 1024
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Source:
    """The bytes of one statement file, read within the size limit, and their hash."""

    data: bytes
    sha256: str
    name: str


def _too_large(size: int, max_bytes: int, name: str) -> StatementError:
    return StatementError(
        ErrorCode.FILE_TOO_LARGE,
        f"{name}: {size} bytes exceeds the limit of {max_bytes} bytes",
    )


def read_source(
    source: bytes | str | os.PathLike[str] | BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    name: str | None = None,
) -> Source:
    """Read ``source`` (bytes, a path, or a binary stream) refusing more than ``max_bytes``.

    A path's size is checked with ``stat`` before it is opened; a stream is read
    at most ``max_bytes + 1`` bytes. Raises ``FILE_TOO_LARGE``.
    """
    if isinstance(source, bytes):
        label = name or "<bytes>"
        if len(source) > max_bytes:
            raise _too_large(len(source), max_bytes, label)
        return Source(source, sha256_hex(source), label)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        label = name or path.name
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes, label)
        with path.open("rb") as stream:
            return read_source(stream, max_bytes=max_bytes, name=label)
    label = name or str(getattr(source, "name", "<stream>"))
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = source.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(total, max_bytes, label)
    data = b"".join(chunks)
    return Source(data, sha256_hex(data), label)


def text_encoding(data: bytes, encoding: str | None = None) -> tuple[str, int]:
    """The codec of a text statement and the length of its byte-order mark.

    The same rule as :func:`decode_text` (BOM, then strict UTF-8, then strict
    GB18030; ``encoding`` alone when given), but validated in slices of 1 MiB
    by an incremental decoder, so a 20 MiB file is checked without holding its
    whole text: the MT940 parser then decodes it line by line. Refuses text
    with NUL characters.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise invalid(f"not valid {encoding}: {error}") from None
        _validate(data, encoding, f"not valid {encoding}")
        return encoding, 0
    if data.startswith(codecs.BOM_UTF8):
        _validate(data, "utf-8", "UTF-8 byte-order mark but not valid UTF-8", skip=3)
        return "utf-8", len(codecs.BOM_UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _validate(data, "utf-16", "UTF-16 byte-order mark but not valid UTF-16")
        return "utf-16", 0
    for candidate in ("utf-8", "gb18030"):
        try:
            _validate(data, candidate, "")
        except StatementError as error:
            if error.code is ErrorCode.STATEMENT_INVALID and not error.message.startswith("binary"):
                continue
            raise
        return candidate, 0
    best = charset_normalizer.from_bytes(data[:65536]).best()
    guess = best.encoding if best is not None else "unknown"
    raise invalid(f"neither UTF-8 nor GB18030 (looks like {guess})")


def _validate(data: bytes, encoding: str, message: str, *, skip: int = 0) -> None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    try:
        for start in range(skip, max(len(data), skip + 1), _CHUNK):
            chunk = view[start : start + _CHUNK]
            text = decoder.decode(chunk, final=start + _CHUNK >= len(data))
            _no_nul(text)
    except UnicodeDecodeError as error:
        raise invalid(f"{message}: {error}" if message else str(error)) from None


_DECODE_CHUNK = 256 * 1024


def text_lines(
    data: bytes, encoding: str | None = None, *, keepends: bool = False
) -> Iterator[str]:
    """The lines of a text statement, decoded 256 KiB at a time (cut at a line end).

    Why in chunks: a large file's text is never held whole next to its bytes,
    and one ``split`` per chunk is fast. UTF-8 and GB18030 never use the byte
    ``\n`` inside a character, so a chunk cut after one decodes on its own.
    The encoding is :func:`text_encoding`'s. Line ends (``\n``, ``\r\n``, or
    ``\r`` alone in a file without ``\n``) are dropped unless ``keepends``.
    """
    codec, bom = text_encoding(data, encoding)
    if codec.replace("-", "").lower() in ("utf16", "utf32"):
        # Not ASCII-compatible: decode once (rare; such files are small).
        text = data.decode(codec).removeprefix("\ufeff")
        yield from text.splitlines(keepends=keepends)
        return
    newline = b"\n" if b"\n" in data else b"\r"
    separator = newline.decode("ascii")
    position, size = bom, len(data)
    while position < size:
        end = data.rfind(newline, position, position + _DECODE_CHUNK)
        end = size if end < 0 or position + _DECODE_CHUNK >= size else end + 1
        chunk = data[position:end].decode(codec)
        position = end
        lines = chunk.split(separator)
        if lines[-1] == "":
            lines.pop()  # the chunk ended with its last line's end
            last_complete = True
        else:
            last_complete = False
        for index, line in enumerate(lines):
            if keepends:
                complete = index < len(lines) - 1 or last_complete
                yield line + separator if complete else line
            else:
                yield line[:-1] if line.endswith("\r") else line


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """Text of a statement file: BOM, then strict UTF-8, then strict GB18030.

    With ``encoding`` given, only that encoding is tried. Refuses text with
    NUL characters (a binary file, or UTF-16 without BOM).
    """
    codec, bom = text_encoding(data, encoding)
    return data[bom:].decode(codec).removeprefix("\ufeff")


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise invalid("binary content (NUL characters) in a text statement")
    return text


_MT940_TAG = re.compile(rb"(?m)^:(?:25|28C?|60[FM]|61|62[FM]|64|65|86):")
"""MT940 tags at the start of a line (a CSV's ``10:20:00`` is a time, not a tag)."""
_MT940_START = re.compile(rb"(?m)^(?:[\x1a\s]*\{[^\n]*?)?\x1a?:20:")
"""A statement's first tag, at a line start or after the envelope or a ^Z."""
_XML_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def sniff_format(data: bytes) -> StatementFormat:
    """Which statement format ``data`` is, from its first bytes.

    XLSX is a zip (``PK``) holding ``xl/workbook.xml``; camt.053 is XML whose
    root is ``Document`` with ``BkToCstmrStmt``; OFX has an ``OFXHEADER`` or
    ``<OFX>``; MT940 has the ``:20:`` tag and a ``:25:``/``:60F:``/``:60M:``;
    anything else that decodes as text is taken as CSV, whose bank layout is
    recognised from its header row later.

    Refusals, each with its own code, because each asks the clerk for
    something different: an empty file (``STATEMENT_EMPTY``: download it
    again); MT940 tags without a ``:20:`` statement header
    (``STATEMENT_TRUNCATED``: a fragment, ask for the whole statement); a zip
    that is no workbook (``UNSUPPORTED_FORMAT``: unpack it first); XML with a
    DTD or entity declarations (``UNSAFE_INPUT``: a statement never has one,
    an entity-expansion bomb always does — refused before any XML parser sees
    it); other binary files (PDF, legacy XLS, images: ``UNSUPPORTED_FORMAT``).
    """
    head = data[:_SNIFF_BYTES]
    if not data.strip(b" \t\r\n\x1a\x00") or data in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        raise StatementError(ErrorCode.STATEMENT_EMPTY, "the file is empty")
    if head.startswith(b"PK\x03\x04"):
        if not _is_workbook(data):
            raise StatementError(
                ErrorCode.UNSUPPORTED_FORMAT,
                "a zip archive, not an XLSX workbook: unpack it and import the statement "
                "files inside one by one",
            )
        return StatementFormat.XLSX
    if head.startswith((b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8")):
        raise StatementError(ErrorCode.UNSUPPORTED_FORMAT, "binary file (PDF, legacy XLS or image)")
    text = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf \t\r\n")
    upper = text.upper()
    if text.startswith("<") and _XML_DECLARATIONS.search(head):
        raise StatementError(
            ErrorCode.UNSAFE_INPUT,
            "XML with a DTD or entity declarations (<!DOCTYPE>/<!ENTITY>): a bank statement "
            "never has one, an entity-expansion bomb always does; refused unread",
        )
    if "OFXHEADER" in upper or "<OFX>" in upper:
        return StatementFormat.OFX
    if text.startswith("<"):
        if "BkToCstmrStmt" in text or "camt.053" in text:
            return StatementFormat.CAMT053
        raise StatementError(ErrorCode.UNSUPPORTED_FORMAT, "XML but not a camt.053 statement")
    if _MT940_START.search(head) and _MT940_TAG.search(head):
        return StatementFormat.MT940
    if _MT940_TAG.search(head) and not _MT940_START.search(data):
        raise StatementError(
            ErrorCode.STATEMENT_TRUNCATED,
            "an MT940 fragment: statement tags (:61:, :60F: …) without the statement header "
            "(:20:); ask the bank for the whole statement",
        )
    if _MT940_TAG.search(head):
        return StatementFormat.MT940
    return StatementFormat.CSV


def _is_workbook(data: bytes) -> bool:
    """Whether a zip holds an XLSX workbook; a broken zip counts as one (and is
    refused as a broken workbook by the XLSX reader, with zipfile's reason)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return True
