"""Live streaming over BLE: the client (bleak), the simulated headset (bumble), and the glue.

Data flow::

    notification bytes --(client.py: time stamp + enqueue only)--> asyncio.Queue
    -> stream.py (decode, seq/time unwrap, gaps, mag hold) -> SampleBlock / Gap / Event
    -> recorder.py -> neckimu.recording.RecordingWriter

The simulated headset (headset.py) is a bumble GATT peripheral on an in-process virtual
link (link.py); the client reaches it through a bleak backend over a bumble central
(bumble_backend.py), so the client code that serves hardware is the code the tests run.
"""
