"""Several rooms, one carte: every node's journal applied from one NATS JetStream stream.

Off by default (`[cluster] enabled`). Each node journals what it takes, then publishes
it (its archived file into JetStream's object store, a small message into the stream);
every node applies the stream in the stream's order, so every carte is the same map. The
NATS client runs on its own thread and asyncio loop (`backbone`); the frame loop sees it
only through queues of small frozen messages (`link`).
"""
