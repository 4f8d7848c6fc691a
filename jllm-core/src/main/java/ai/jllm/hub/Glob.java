package ai.jllm.hub;

import ai.jllm.JllmException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A file pattern with the semantics of {@code huggingface_hub}'s {@code allow_patterns} (Python's
 * {@code fnmatchcase}): {@code *} matches any run of characters, {@code /} included, so {@code *.json}
 * also selects {@code subdir/config.json}; {@code ?} matches one character; {@code [abc]} and
 * {@code [!abc]} match a class; a pattern ending in {@code /} selects everything below that folder.
 */
record Glob(String pattern, Pattern regex) {

    static Glob of(String pattern) {
        String effective = pattern.endsWith("/") ? pattern + "*" : pattern;
        try {
            return new Glob(pattern, Pattern.compile(translate(effective), Pattern.DOTALL));
        } catch (PatternSyntaxException e) {
            throw new JllmException("invalid file pattern: " + pattern);
        }
    }

    boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    private static String translate(String glob) {
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < glob.length()) {
            char c = glob.charAt(i++);
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[' -> {
                    int end = classEnd(glob, i);
                    if (end < 0) {
                        regex.append("\\[");
                    } else {
                        regex.append(characterClass(glob.substring(i, end)));
                        i = end + 1;
                    }
                }
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }

    /** The index of the {@code ]} closing a class opened just before {@code start}, as fnmatch finds it. */
    private static int classEnd(String glob, int start) {
        int j = start;
        if (j < glob.length() && glob.charAt(j) == '!') {
            j++;
        }
        if (j < glob.length() && glob.charAt(j) == ']') {
            j++;
        }
        return glob.indexOf(']', j);
    }

    private static String characterClass(String body) {
        boolean negated = body.startsWith("!");
        String members = negated ? body.substring(1) : body;
        StringBuilder out = new StringBuilder(negated ? "[^" : "[");
        for (char c : members.toCharArray()) {
            if (c == '\\' || c == '[' || c == '^' || c == '&') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append(']').toString();
    }
}
