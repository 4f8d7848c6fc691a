package ai.jllm.eval;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answer extraction and comparison for GSM8K, with the two filters of EleutherAI's lm-evaluation-harness: strict
 * (the number after the dataset's {@code ####} marker, the format few-shot examples teach) and flexible (the last
 * number anywhere in the text). Numbers compare by value after dropping thousands separators, a dollar sign and a
 * trailing period: "1,000", "$1000" and "1000.00" all equal 1000.
 */
public final class Gsm8kAnswers {

    private static final Pattern STRICT = Pattern.compile("#### (-?[0-9.,]+)");
    private static final Pattern FLEXIBLE = Pattern.compile("(-?[$0-9.,]{2,})|(-?[0-9]+)");

    private Gsm8kAnswers() {}

    /** The reference answer of a dataset line: what follows {@code ####} in its "answer" field. */
    public static Optional<String> reference(String answerField) {
        int marker = answerField.lastIndexOf("####");
        return marker < 0 ? Optional.empty() : Optional.of(answerField.substring(marker + 4).strip());
    }

    /** The number after the first {@code "#### "} in a completion. */
    public static Optional<String> strict(String completion) {
        Matcher matcher = STRICT.matcher(completion);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** The last number in a completion. */
    public static Optional<String> flexible(String completion) {
        Matcher matcher = FLEXIBLE.matcher(completion);
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
        }
        return Optional.ofNullable(last);
    }

    /** Whether an extracted answer equals the reference as a number (as text when either is no number). */
    public static boolean matches(Optional<String> extracted, String reference) {
        if (extracted.isEmpty()) {
            return false;
        }
        Optional<BigDecimal> a = number(extracted.get());
        Optional<BigDecimal> b = number(reference);
        if (a.isPresent() && b.isPresent()) {
            return a.get().compareTo(b.get()) == 0;
        }
        return normalize(extracted.get()).equals(normalize(reference));
    }

    static String normalize(String answer) {
        String text = answer.strip().replace(",", "").replace("$", "");
        while (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        return text;
    }

    private static Optional<BigDecimal> number(String answer) {
        try {
            return Optional.of(new BigDecimal(normalize(answer)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
