"""Queues committed runs and builds on Celery. Call these only after the rows are committed.
CeleryQueue is this module as app.services.queue's backend, which the web and hooks apps install."""

from __future__ import annotations

import uuid

from celery.utils import uuid as celery_uuid
from kombu import serialization
from kombu.utils import json

from app.models import Trigger
from workers.celery_app import celery

PERSISTENT = 2  # Celery's default delivery mode

QUEUE_FOR_TRIGGER: dict[str, str] = {Trigger.tryout: "tryout"}  # the rest go to "runs"


def enqueue_run(run_id: uuid.UUID, trigger: str) -> None:
    celery.send_task("runpad.run", args=[str(run_id)], queue=QUEUE_FOR_TRIGGER.get(trigger, "runs"))


def enqueue_build(build_id: uuid.UUID) -> None:
    celery.send_task("runpad.build", args=[str(build_id)], queue="builds")


def enqueue_runs(run_ids: list[uuid.UUID], trigger: str) -> None:
    """Queues many committed runs with one LPUSH of messages built as send_task builds them, but
    without its per-message declare, retry wrapper and routing (about three times cheaper). On an
    error nothing is queued: the caller's runs stay queued for the scheduler's sweep to re-send."""
    if not run_ids:
        return
    queue = QUEUE_FOR_TRIGGER.get(trigger, "runs")
    with celery.producer_or_acquire() as producer:
        channel = producer.channel
        producer.maybe_declare(celery.amqp.queues[queue])  # once per connection, as send_task does per message
        payloads = wire_messages(channel, "runpad.run", [[str(run_id)] for run_id in run_ids], queue)
        with channel.conn_or_acquire() as client:
            client.lpush(channel._q_for_pri(queue, 0), *payloads)


def wire_messages(channel, task: str, args_list: list[list], queue: str) -> list[str]:
    """What kombu's Redis channel LPUSHes for send_task(task, args, queue=queue), one per args (a
    test compares the two): Celery's task message v2, serialised by kombu, in the virtual channel's
    envelope. Priority 0, the default, so all go to the queue's own key."""
    delivery_mode = celery.amqp.queues[queue].exchange.delivery_mode or PERSISTENT
    serializer, reply_to, as_task = celery.conf.task_serializer, celery.thread_oid, celery.amqp.as_task_v2
    payloads = []
    for args in args_list:
        # as send_task calls it (a list, ignore_result None), which celery-types does not allow for
        headers, properties, body, _ = as_task(celery_uuid(), task, args=args, reply_to=reply_to, ignore_result=None)  # type: ignore[arg-type]
        properties["delivery_mode"] = delivery_mode
        content_type, encoding, data = serialization.dumps(body, serializer=serializer)
        message = channel.prepare_message(data, None, content_type, encoding, headers, properties)
        channel._inplace_augment_message(message, "", queue)  # base64 body, delivery tag and info, as basic_publish
        payloads.append(json.dumps(message))
    return payloads


class CeleryQueue:
    """app.services.queue.Backend over Celery on Redis."""

    def run(self, run_id: uuid.UUID, trigger: str) -> None:
        enqueue_run(run_id, trigger)

    def build(self, build_id: uuid.UUID) -> None:
        enqueue_build(build_id)


def purge(queues: tuple[str, ...] = ("runs", "tryout")) -> None:
    """Drops every waiting message of these queues (tests and drills use it so no later worker runs
    what they queued)."""
    with celery.pool.acquire(block=True) as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]  # celery-types: a Producer
