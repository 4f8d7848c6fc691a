package ai.jllm.hub;

import ai.jllm.JllmException;
import java.util.regex.Pattern;

/**
 * A branch, tag or commit of a hub repository. Its name becomes a file name under {@code refs/}, so
 * anything that could escape that folder or that git itself forbids in a ref name is rejected.
 */
public record Revision(String name) {

    private static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern FORBIDDEN = Pattern.compile("[\\s\\p{Cntrl}\\\\~^:?*\\[]");
    private static final int MAX_LENGTH = 256;

    /** The default branch; declared after the patterns its constructor uses. */
    public static final Revision MAIN = new Revision("main");

    public Revision {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH || FORBIDDEN.matcher(name).find()
                || name.startsWith("/") || name.endsWith("/") || name.contains("//") || name.contains("..")
                || name.equals(".") || name.startsWith("./") || name.endsWith("/.") || name.contains("/./")) {
            throw new JllmException("invalid revision: '" + name + "' (expected a branch, tag or commit hash)");
        }
    }

    /** Whether {@code text} is a full 40-digit commit hash, the only revision that never moves. */
    public static boolean isCommitHash(String text) {
        return COMMIT_HASH.matcher(text).matches();
    }

    public boolean isCommitHash() {
        return isCommitHash(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
