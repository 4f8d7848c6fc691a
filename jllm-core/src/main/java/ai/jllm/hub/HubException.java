package ai.jllm.hub;

import ai.jllm.JllmException;

/** A hub download that cannot go on; {@link #reason()} lets callers react without parsing the message. */
public final class HubException extends JllmException {

    /** Why the hub (or the cache standing in for it) could not deliver. */
    public enum Reason {
        /** The repository does not exist, or is private and the token cannot see it. */
        REPOSITORY_NOT_FOUND,
        /** The repository exists but the branch, tag or commit does not. */
        REVISION_NOT_FOUND,
        /** The repository has no such file at that revision. */
        FILE_NOT_FOUND,
        /** The repository is gated: the licence must be accepted and a token sent. */
        GATED,
        /** The hub refused the request for another reason (401/403). */
        ACCESS_DENIED,
        /** Offline mode is on and the cache does not hold what was asked for. */
        NOT_CACHED,
        /** The hub or its CDN could not be reached, or the connection broke. */
        NETWORK,
        /** The hub answered with an HTTP error not covered above. */
        HTTP_ERROR,
        /** The hub's answer lacks what the protocol promises (commit, ETag, size) or is malformed. */
        BAD_RESPONSE,
        /** A file arrived with another size than the hub announced. */
        INCOMPLETE_DOWNLOAD
    }

    private final Reason reason;

    public HubException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
