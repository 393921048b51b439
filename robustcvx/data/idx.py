"""Reading IDX files (the MNIST / Fashion-MNIST format), gzipped or not.

An IDX file is a 4-byte magic ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimensions, then the big-endian payload. Gzip is detected by its magic bytes,
not by the file name.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import numpy as np

from robustcvx.errors import DataError

#: IDX type code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"
_FIX = "re-download or replace the file"


def _gunzip(data: bytes, path: Path) -> bytes:
    """Decompress (possibly multi-member) gzip ``data``; DataError if corrupt or truncated."""
    parts = []
    try:
        while data:
            dec = zlib.decompressobj(wbits=31)
            parts.append(dec.decompress(data))
            if not dec.eof:
                raise DataError(f"{path}: truncated gzip stream (file cut short); {_FIX}")
            data = dec.unused_data
            if data and not data.startswith(_GZIP_MAGIC):
                if data.strip(b"\x00"):
                    raise DataError(f"{path}: unexpected bytes after the gzip stream; {_FIX}")
                break
    except zlib.error as exc:
        raise DataError(f"{path}: corrupt gzip data ({exc}); {_FIX}") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _read_bytes(path: Path) -> bytes:
    """Read a whole file, turning OS errors into DataError."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise DataError(f"IDX file not found: {path}; check the path") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not an IDX file; pass the file itself") from None
    except OSError as exc:
        raise DataError(f"cannot read IDX file {path}: {exc.strerror or exc}; check the path and permissions") from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a native-endian numpy array of the header's shape.

    Validates the magic (``0x00 0x00 type ndim``), the type code, and that the payload
    length matches the dimensions. Raises :class:`DataError` on any problem.
    """
    path = Path(os.path.expanduser(os.fspath(path)))
    data = _read_bytes(path)
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, path)
    if len(data) < 4:
        raise DataError(f"{path}: not an IDX file (only {len(data)} bytes); {_FIX}")
    if data[0] != 0 or data[1] != 0:
        raise DataError(
            f"{path}: not an IDX file (magic {data[:4].hex()} does not start with 0000); "
            "pass an MNIST-style idx*-ubyte file"
        )
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise DataError(f"{path}: unknown IDX data type code 0x{code:02x} (valid: 08, 09, 0b, 0c, 0d, 0e); {_FIX}")
    if ndim == 0:
        raise DataError(f"{path}: IDX header declares 0 dimensions; {_FIX}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: truncated IDX header ({len(data)} bytes, need {header}); {_FIX}")
    dims = tuple(int(v) for v in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    have = len(data) - header
    if have != expected:
        shape = "x".join(str(v) for v in dims)
        what = "truncated IDX file" if have < expected else "IDX file has trailing bytes"
        raise DataError(
            f"{path}: {what}: header says {shape} {dtype.name} ({expected:,} bytes) but {have:,} bytes follow; {_FIX}"
        )
    arr = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # native byte order, writable copy
