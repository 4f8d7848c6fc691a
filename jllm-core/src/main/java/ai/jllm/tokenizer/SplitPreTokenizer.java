package ai.jllm.tokenizer;

import ai.jllm.tokenizer.SplitBehavior.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code Split}: cuts at the matches of a pattern and keeps the pieces its {@link SplitBehavior} says. */
record SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {

    @Override
    public void preTokenize(String text, boolean atInputStart, Sink out) {
        if (behavior == SplitBehavior.ISOLATED) {
            // Every segment is kept whatever the match flag says, so invert does not matter either.
            isolate(pattern, text, atInputStart, out);
            return;
        }
        emit(text, behavior.apply(segments(pattern, text, invert)), atInputStart, out);
    }

    /** Hands over matches and the text between them, in order; the hot path of byte-level tokenizers. */
    static void isolate(Pattern pattern, String text, boolean atInputStart, Sink out) {
        Matcher matcher = pattern.matcher(text);
        int previous = 0;
        while (matcher.find()) {
            int start = matcher.start();
            int end = matcher.end();
            if (previous < start) {
                out.accept(text.substring(previous, start), atInputStart && previous == 0);
            }
            if (start < end) {
                out.accept(text.substring(start, end), atInputStart && start == 0);
            }
            previous = end;
        }
        if (previous < text.length()) {
            out.accept(previous == 0 ? text : text.substring(previous), atInputStart && previous == 0);
        }
    }

    /** The matched and unmatched stretches covering {@code text}, flags flipped when {@code invert}. */
    static List<Segment> segments(Pattern pattern, String text, boolean invert) {
        List<Segment> segments = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        int previous = 0;
        while (matcher.find()) {
            if (previous != matcher.start()) {
                segments.add(new Segment(previous, matcher.start(), invert));
            }
            segments.add(new Segment(matcher.start(), matcher.end(), !invert));
            previous = matcher.end();
        }
        if (previous != text.length() || text.isEmpty()) {
            segments.add(new Segment(previous, text.length(), invert));
        }
        return segments;
    }

    static void emit(String text, List<Segment> pieces, boolean atInputStart, Sink out) {
        for (Segment piece : pieces) {
            if (piece.start() < piece.end()) {
                out.accept(text.substring(piece.start(), piece.end()), atInputStart && piece.start() == 0);
            }
        }
    }
}
