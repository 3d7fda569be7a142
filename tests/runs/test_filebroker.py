"""The folder broker publishes atomically: a consumer polling the folder never reads half a message."""

import threading
import uuid

from kombu import Connection, Exchange, Queue

from authwizard import filebroker


def test_messages_published_while_a_consumer_polls_arrive_whole_and_all(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "polling_interval": 0.001,
               "control_folder": str(tmp_path / "control")}
    # Names of its own: kombu keeps exchange bindings in process-wide state shared with any worker of the session.
    name = f"filebroker-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
    received, problems = [], []
    count = 200

    def consume():
        with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:
            with connection.SimpleQueue(queue) as simple:
                while len(received) < count:
                    try:
                        message = simple.get(block=True, timeout=30)
                    except Exception as error:  # noqa: BLE001 - any failure is the finding
                        problems.append(repr(error))
                        return
                    received.append(message.payload["run_id"])
                    message.ack()

    consumer = threading.Thread(target=consume)
    consumer.start()
    with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:
        with connection.SimpleQueue(queue) as simple:
            for run_id in range(count):
                simple.put({"run_id": run_id, "padding": "x" * 4000})
    consumer.join(60)
    assert problems == []
    assert sorted(received) == list(range(count))
    assert not [name for name in folder.iterdir() if name.name.endswith(".part")]
