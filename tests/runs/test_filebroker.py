"""The folder broker publishes atomically: a consumer polling the folder never reads half a message."""

import threading
import uuid

from kombu import Connection, Exchange, Queue

from authwizard import filebroker


def test_messages_published_while_a_consumer_polls_arrive_whole_and_all(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "polling_interval": 0.001,
        "control_folder": str(tmp_path / "control"),
    }
    # Names of its own: kombu keeps exchange bindings in process-wide state shared with any worker of the
    # session.
    name = f"filebroker-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
    received, problems = [], []
    count = 200
    ready = threading.Event()

    def consume():
        # A consumer registered before anything is published, as a Celery worker is (a SimpleQueue's lazy
        # consumer can miss the first deliveries, which says nothing about the broker).
        with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:

            def on_message(body, message):
                received.append(body["run_id"])
                message.ack()

            with connection.Consumer(queue, callbacks=[on_message]):
                ready.set()
                while len(received) < count:
                    try:
                        connection.drain_events(timeout=30)
                    except Exception as error:  # noqa: BLE001 - any failure is the finding
                        problems.append(repr(error))
                        return

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert ready.wait(30)
    with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:
        producer = connection.Producer()
        for run_id in range(count):
            producer.publish(
                {"run_id": run_id, "padding": "x" * 4000},
                exchange=queue.exchange,
                routing_key=name,
                declare=[queue],
            )
    consumer.join(60)
    assert problems == []
    assert sorted(received) == list(range(count))
    assert not [name for name in folder.iterdir() if name.name.endswith(".part")]


def test_exchange_bindings_declared_while_others_publish_are_never_read_half_written(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "polling_interval": 0.001,
        "control_folder": str(tmp_path / "control"),
    }
    name = f"filebroker-bind-{uuid.uuid4().hex[:8]}"
    exchange = Exchange(name, type="direct")
    problems, stop = [], threading.Event()

    def declare():
        with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:
            channel = connection.default_channel
            for number in range(150):
                Queue(f"{name}-{number}", exchange, routing_key=f"key-{number}")(channel).declare()
        stop.set()

    binder = threading.Thread(target=declare)
    binder.start()
    with Connection(f"{filebroker.SCHEME}://", transport_options=options) as connection:
        producer = connection.Producer(exchange=exchange)
        while not stop.is_set():
            try:
                producer.publish({"x": 1}, routing_key="key-0")
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                problems.append(repr(error))
                break
    binder.join(60)
    assert problems == []
    table = (tmp_path / "control" / f"{name}.exchange").read_text()
    assert table.count(name) == 150
