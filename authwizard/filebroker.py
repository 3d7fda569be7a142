"""Kombu's filesystem transport with atomic publishing: a message file appears complete or not at all.

Kombu's own `_put` creates the file and then writes it, while `_get` moves and reads files without the
lock, so a worker can read an empty message and stop with "Unrecoverable error: JSONDecodeError". Here the
message is written under a name the consumer skips and renamed into place. Use it as `atomicfs://` (the
same transport options as `filesystem://`) once this module is imported.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "atomicfs"


class Channel(filesystem.Channel):
    """Publishes each message to `.<name>.part` and renames it to `<name>` when fully written."""

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
