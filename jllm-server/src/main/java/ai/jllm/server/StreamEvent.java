package ai.jllm.server;

import ai.jllm.api.RequestOutput;

/** What a streaming {@link Submission} yields, per prompt of the HTTP request, in the order the engine produced it. */
sealed interface StreamEvent {

    int prompt();

    /** New tokens and text of some samples of prompt {@code prompt}. */
    record Delta(int prompt, RequestOutput output, long receivedNanos) implements StreamEvent {}

    /** The prompt's request ended; {@code result} holds all of it (for usage). */
    record Finished(int prompt, RequestOutput result) implements StreamEvent {}

    /** The engine failed the prompt's request. */
    record Failed(int prompt, RuntimeException error) implements StreamEvent {}
}
