"""Write report files without leaving half a file or replacing a device.

A regular file is written through a temporary sibling and renamed over the
target, so a failure leaves the previous file or none. A target that exists
and is not a regular file (`/dev/stdout`, a FIFO, a character device) is
written in place, because renaming over it would replace the device with a
file. A symlink is followed, and the file it points to is the one replaced.
A target that is this process's own stdout or stderr (the same file, by
device and inode) is written through that stream, after what was printed.
`overwritten_input` returns the input file that a target would replace.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


class OutputWriteError(OSError):
    """A report file that could not be written; `filename` is the target path.

    Its text is the reason alone (e.g. "Permission denied"), so a caller can
    name the option and the path in its own message.
    """

    def __str__(self) -> str:
        return self.strerror or "write failed"


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 to `path`. A new or replaced regular file gets mode 0600.

    Raises `OutputWriteError` naming `path`, never the temporary file.
    """
    try:
        stream = _standard_stream_of(path)
        if stream is not None:
            _write_to_descriptor(stream, text)
        elif _is_special_file(path):
            _write_in_place(path, text)
        else:
            _replace_regular_file(Path(os.path.realpath(path)), text)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise OutputWriteError(error.errno, reason, str(path)) from None


def _standard_stream_of(path: Path) -> int | None:
    """Return 1 or 2 when `path` is this process's stdout or stderr, else None.

    `--json /dev/stdout > out.txt` must add to the file the shell opened rather
    than replace it, so the file's identity, not its name, decides.
    """
    try:
        target = os.stat(path)
    except FileNotFoundError:
        return None
    for descriptor in (1, 2):
        try:
            stream = os.fstat(descriptor)
        except OSError:
            continue
        if (stream.st_dev, stream.st_ino) == (target.st_dev, target.st_ino):
            return descriptor
    return None


def _write_to_descriptor(descriptor: int, text: str) -> None:
    _flush_printed()
    remaining = memoryview(text.encode("utf-8"))
    while remaining:
        written = os.write(descriptor, remaining)
        remaining = remaining[written:]


def _flush_printed() -> None:
    """Flush what this process printed, so it comes before the file's content."""
    sys.stdout.flush()
    sys.stderr.flush()


def _is_special_file(path: Path) -> bool:
    """Tell whether `path` (after symlinks) exists and is not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode)


def _write_in_place(path: Path, text: str) -> None:
    _flush_printed()
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def _replace_regular_file(target: Path, text: str) -> None:
    # mkstemp creates the file with mode 0600, and the rename keeps that mode.
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def overwritten_input(
    target: Path, input_files: Iterable[Path], input_dirs: Iterable[Path]
) -> Path | None:
    """Return the input that writing `target` would replace, or None.

    `target` is compared after following symlinks, with each file in
    `input_files` (by path, or by identity when both exist, which also catches
    a hard link) and with every path under each directory in `input_dirs`.
    """
    resolved = Path(os.path.realpath(target))
    for directory in input_dirs:
        if resolved.is_relative_to(os.path.realpath(directory)):
            return directory

    for input_file in input_files:
        if resolved == Path(os.path.realpath(input_file)):
            return input_file
        if _same_existing_file(resolved, input_file):
            return input_file
    return None


def _same_existing_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
