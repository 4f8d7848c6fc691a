package ai.jllm.tokenizer;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/** Collects every disagreement of a parity check and fails once with the first few, shown with escapes. */
final class Mismatches {

    private static final int SHOWN = 8;

    private final String what;
    private final List<String> found = new ArrayList<>();
    private int checked;

    Mismatches(String what) {
        this.what = what;
    }

    void check(boolean agrees, String input, Object expected, Object actual) {
        checked++;
        if (!agrees) {
            found.add("input " + escape(input) + "\n    expected " + render(expected) + "\n    actual   " + render(actual));
        }
    }

    void assertNone() {
        if (checked == 0) {
            fail(what + ": nothing was checked");
        }
        if (!found.isEmpty()) {
            fail(what + ": " + found.size() + " of " + checked + " cases disagree; the first ones:\n  "
                    + String.join("\n  ", found.subList(0, Math.min(SHOWN, found.size()))));
        }
    }

    int checked() {
        return checked;
    }

    private static String render(Object value) {
        return value instanceof int[] ids ? java.util.Arrays.toString(ids)
                : value instanceof String text ? escape(text) : String.valueOf(value);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                out.append((char) c);
            } else if (c == '"' || c == '\\') {
                out.append('\\').append((char) c);
            } else {
                out.append(String.format(c > 0xFFFF ? "\\U%06X" : "\\u%04X", c));
            }
        });
        return out.append('"').toString();
    }
}
