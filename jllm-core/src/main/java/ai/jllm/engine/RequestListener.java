package ai.jllm.engine;

import ai.jllm.api.RequestOutput;

/** Receives a request's results on the engine thread; implementations hand them over and return at once. */
public interface RequestListener {

    /** New tokens and text since the previous call, per sample that has any. */
    void onDelta(RequestOutput delta);

    /** The complete result; the last call for this request. */
    void onFinished(RequestOutput result);

    /** The request failed (the engine could not run it); the last call for this request. */
    void onFailed(RuntimeException error);
}
