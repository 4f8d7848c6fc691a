package ai.jllm.engine;

import ai.jllm.JllmException;

/** The engine's request queue is at max_queue_size; the caller may retry later (HTTP 429). */
public final class QueueFullException extends JllmException {

    public QueueFullException(int maxQueueSize) {
        super("the request queue is full (max_queue_size " + maxQueueSize + "); retry later");
    }
}
