"""Kombu's filesystem transport with atomic writes: a message or exchange file appears complete or not at all.

Kombu's own `_put` creates the file and then writes it, while `_get` moves and reads files without the
lock, so a worker can read an empty message and stop with "Unrecoverable error: JSONDecodeError". Its
`_queue_bind` likewise truncates the exchange table before locking it, so a publisher can read it empty.
Here both are written under a name readers skip and renamed into place. Use it as `atomicfs://` (the same
transport options as `filesystem://`) once this module is imported.
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

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """Add a binding to the exchange table: read, extend and replace it whole, one binder at a time."""
        table = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with open(table.with_name(f".{table.name}.lock"), "a") as guard:
            filesystem.lock(guard, filesystem.LOCK_EX)
            try:
                bindings = self.get_table(exchange)
                if binding in bindings:
                    return
                bindings.insert(0, binding)
                partial = table.with_name(f".{table.name}.{uuid.uuid4().hex}.part")
                partial.write_bytes(str_to_bytes(dumps(bindings)))
                os.replace(partial, table)
            finally:
                filesystem.unlock(guard)


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")
