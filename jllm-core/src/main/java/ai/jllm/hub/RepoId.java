package ai.jllm.hub;

import ai.jllm.JllmException;
import java.util.regex.Pattern;

/**
 * A model repository on the hub, {@code namespace/name}, with the naming rules the hub enforces:
 * letters, digits, {@code - _ .}, starting and ending with a letter, digit or underscore, at most 96
 * characters per part, no {@code --} or {@code ..} (they would be ambiguous in the cache folder name).
 */
public record RepoId(String namespace, String name) {

    private static final Pattern PART = Pattern.compile("\\w(?:[\\w.-]{0,94}\\w)?", Pattern.UNICODE_CHARACTER_CLASS);

    public RepoId {
        if (!isValidPart(namespace) || !isValidPart(name)) {
            throw new JllmException("invalid hub repository id: " + namespace + "/" + name
                    + " (expected ORG/NAME with letters, digits, '-', '_' or '.')");
        }
    }

    /** Parses {@code org/name}; anything else is a {@link JllmException} naming the text. */
    public static RepoId parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new JllmException("invalid hub repository id: " + text + " (expected ORG/NAME)");
        }
        return new RepoId(text.substring(0, slash), text.substring(slash + 1));
    }

    /** Whether {@code text} is a well-formed {@code org/name}. */
    public static boolean isValid(String text) {
        int slash = text.indexOf('/');
        return slash > 0 && slash == text.lastIndexOf('/')
                && isValidPart(text.substring(0, slash)) && isValidPart(text.substring(slash + 1));
    }

    /** The repository's folder in the HF cache: {@code models--org--name}. */
    public String cacheFolderName() {
        return "models--" + namespace + "--" + name;
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }

    private static boolean isValidPart(String part) {
        return part != null && PART.matcher(part).matches() && !part.contains("--") && !part.contains("..")
                && !part.endsWith(".git");
    }
}
