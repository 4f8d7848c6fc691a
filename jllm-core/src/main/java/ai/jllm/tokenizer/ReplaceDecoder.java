package ai.jllm.tokenizer;

import ai.jllm.tokenizer.SplitBehavior.Segment;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code Replace} as a decoder: within each token, the matches of the pattern become {@code content}. A literal
 * pattern is replaced as text streams in, holding back only a tail that could still start a match; a regex
 * pattern waits for the whole token.
 *
 * @param literal the pattern's text when it is a plain string
 */
record ReplaceDecoder(Optional<String> literal, Pattern pattern, String content) implements Decoder {

    @Override
    public DecoderStep newStep(DecoderStep downstream) {
        return new Step(downstream);
    }

    private final class Step implements DecoderStep {
        private final DecoderStep downstream;
        private final StringBuilder pending = new StringBuilder();

        Step(DecoderStep downstream) {
            this.downstream = downstream;
        }

        @Override
        public void append(String text) {
            pending.append(text);
            if (literal.isPresent()) {
                replaceLiteral(literal.get(), false);
            }
        }

        @Override
        public void endToken() {
            if (literal.isPresent()) {
                replaceLiteral(literal.get(), true);
            } else {
                replaceMatches();
            }
            downstream.endToken();
        }

        @Override
        public void finish() {
            downstream.finish();
        }

        private void replaceLiteral(String target, boolean tokenComplete) {
            String text = pending.toString();
            StringBuilder out = new StringBuilder(text.length());
            int from = 0;
            for (int at = text.indexOf(target); at >= 0; at = text.indexOf(target, from)) {
                out.append(text, from, at).append(content);
                from = at + target.length();
            }
            int keep = tokenComplete ? 0 : partialMatchLength(text, from, target);
            out.append(text, from, text.length() - keep);
            pending.delete(0, text.length() - keep);
            if (!out.isEmpty()) {
                downstream.append(out.toString());
            }
        }

        private void replaceMatches() {
            String text = pending.toString();
            pending.setLength(0);
            StringBuilder out = new StringBuilder(text.length());
            for (Segment segment : SplitPreTokenizer.segments(pattern, text, false)) {
                out.append(segment.match() ? content : text.substring(segment.start(), segment.end()));
            }
            if (!out.isEmpty()) {
                downstream.append(out.toString());
            }
        }
    }

    /** Length of the longest tail of {@code text[from..]} that is a proper prefix of {@code target}. */
    private static int partialMatchLength(String text, int from, String target) {
        for (int length = Math.min(target.length() - 1, text.length() - from); length > 0; length--) {
            if (text.regionMatches(text.length() - length, target, 0, length)) {
                return length;
            }
        }
        return 0;
    }
}
