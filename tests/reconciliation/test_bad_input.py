"""Hostile and broken files: size limit, encodings, binary, empty — typed refusals."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from riskpool.errors import ErrorCode
from riskpool.reconciliation.errors import StatementError
from riskpool.reconciliation.model import StatementFormat
from riskpool.reconciliation.parsers import read_statement_file
from riskpool.reconciliation.parsers.detect import decode_text, read_source, sniff_format


def test_hundred_megabyte_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "statement.csv"
    with big.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper
    tracemalloc.start()
    try:
        with pytest.raises(StatementError) as caught:
            read_statement_file(big, max_bytes=10 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code is ErrorCode.FILE_TOO_LARGE
    assert peak < 1024 * 1024


def test_stream_is_read_only_up_to_the_limit() -> None:
    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            n = len(buffer)
            buffer[:n] = b"x" * n
            self.served += n
            return n

    stream = Endless()
    with pytest.raises(StatementError) as caught:
        read_source(io.BufferedReader(stream), max_bytes=3 * 1024 * 1024)
    assert caught.value.code is ErrorCode.FILE_TOO_LARGE
    assert stream.served < 5 * 1024 * 1024


def test_bytes_over_the_limit_are_refused() -> None:
    with pytest.raises(StatementError) as caught:
        read_statement_file(b"x" * 11, max_bytes=10)
    assert caught.value.code is ErrorCode.FILE_TOO_LARGE


def test_encodings_are_detected() -> None:
    text = "交易日期,金额\n"
    assert decode_text(text.encode("gb18030")) == text
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_text(text.encode("utf-16")) == text


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        decode_text(b"\x81\x20\xff\xfe\x80" * 10)
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_utf16_without_bom_is_refused_not_misread() -> None:
    with pytest.raises(StatementError):
        decode_text("交易日期,金额".encode("utf-16-le"))


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7 ...", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy xls", b"\x89PNG\r\n"]
)
def test_binary_files_are_unsupported(data: bytes) -> None:
    with pytest.raises(StatementError) as caught:
        read_statement_file(data)
    assert caught.value.code is ErrorCode.UNSUPPORTED_FORMAT


def test_broken_xlsx_is_refused() -> None:
    with pytest.raises(StatementError) as caught:
        read_statement_file(b"PK\x03\x04 this is no zip")
    assert caught.value.code is ErrorCode.STATEMENT_INVALID


def test_empty_file_is_refused() -> None:
    with pytest.raises(StatementError):
        read_statement_file(b"")


def test_sniffing() -> None:
    assert sniff_format(b":20:X\n:25:Y\n:60F:C250101CNY1,00") is StatementFormat.MT940
    assert sniff_format(b"OFXHEADER:100\n") is StatementFormat.OFX
    assert (
        sniff_format(b"<?xml version='1.0'?><Document><BkToCstmrStmt>") is StatementFormat.CAMT053
    )
    assert sniff_format("交易日期,金额".encode()) is StatementFormat.CSV
