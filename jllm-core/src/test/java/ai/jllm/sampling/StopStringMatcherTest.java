package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    @Test
    void aStopStringSpanningDeltasIsCaughtAndCutOff() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"), false);
        assertThat(matcher.push("Hello ST")).isEqualTo(emit("Hello "));
        assertThat(matcher.push("O")).isEqualTo(emit(""));
        assertThat(matcher.push("P and more")).isEqualTo(new StopStringOutput("", Optional.of("STOP")));
    }

    @Test
    void includeStopStrInOutputKeepsTheStopStringAndNothingAfterIt() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"), true);
        assertThat(matcher.push("Hello ST")).isEqualTo(emit("Hello "));
        assertThat(matcher.push("OP and more")).isEqualTo(new StopStringOutput("STOP", Optional.of("STOP")));
    }

    @Test
    void heldTextIsReleasedWhenItCannotBeAStopAnyMore() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("</end>"), false);
        assertThat(matcher.push("a </e")).isEqualTo(emit("a "));
        assertThat(matcher.push("nx")).isEqualTo(emit("</enx"));
        assertThat(matcher.push("<")).isEqualTo(emit(""));
        assertThat(matcher.finish()).isEqualTo("<");
    }

    @Test
    void finishReleasesTheHeldTailAndEndsTheMatcher() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("\n\nUser:"), false);
        assertThat(matcher.push("The answer is 4.\n")).isEqualTo(emit("The answer is 4."));
        assertThat(matcher.push("\nUs")).isEqualTo(emit(""));
        assertThat(matcher.finish()).isEqualTo("\n\nUs");
        assertThatThrownBy(() -> matcher.push("er:")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void overlappingCandidatesResolveToTheOneThatCompletes() {
        // "abc" could still become "abcd"; "bcx" completes first.
        StopStringMatcher matcher = new StopStringMatcher(List.of("abcd", "bcx"), false);
        assertThat(matcher.push("zab")).isEqualTo(emit("z"));
        assertThat(matcher.push("c")).isEqualTo(emit(""));
        assertThat(matcher.push("x")).isEqualTo(new StopStringOutput("a", Optional.of("bcx")));
    }

    @Test
    void theStopStringEndingFirstWinsAndOfThoseTheLongest() {
        List<String> stops = List.of("world", "o w", "lo w");
        for (List<String> deltas : List.of(List.of("hello world"), List.of("hel", "lo ", "wor", "ld"),
                List.of("h", "e", "l", "l", "o", " ", "w"))) {
            StopStringMatcher matcher = new StopStringMatcher(stops, false);
            StringBuilder out = new StringBuilder();
            StopStringOutput last = null;
            for (String delta : deltas) {
                last = matcher.push(delta);
                out.append(last.text());
                if (last.stopped()) {
                    break;
                }
            }
            assertThat(out.toString()).as("%s", deltas).isEqualTo("hel");
            assertThat(last.stopString()).hasValue("lo w");
        }
    }

    /** Random texts, stops and splits against the definition applied to the whole text at once. */
    @Test
    void anySplitOfTheTextGivesTheWholeTextsResult() {
        Random random = new Random(5);
        for (int trial = 0; trial < 3000; trial++) {
            List<String> stops = new ArrayList<>();
            for (int s = random.nextInt(3) + 1; s > 0; s--) {
                stops.add(randomText(random, random.nextInt(4) + 1));
            }
            String text = randomText(random, random.nextInt(25));
            boolean include = random.nextBoolean();
            StopStringMatcher matcher = new StopStringMatcher(stops, include);
            StringBuilder emitted = new StringBuilder();
            Optional<String> stopped = Optional.empty();
            int at = 0;
            while (at < text.length() && stopped.isEmpty()) {
                int end = Math.min(text.length(), at + random.nextInt(4));
                StopStringOutput output = matcher.push(text.substring(at, end));
                emitted.append(output.text());
                stopped = output.stopString();
                at = end;
                if (stopped.isEmpty()) {
                    // Everything that can no longer start a stop string is out already.
                    String seen = text.substring(0, at);
                    assertThat(emitted.toString()).isEqualTo(seen.substring(0, seen.length() - heldBack(seen, stops)));
                }
            }
            if (stopped.isEmpty()) {
                emitted.append(matcher.finish());
            }
            String context = stops + " " + text + " include " + include;
            Reference expected = reference(text, stops, include);
            assertThat(emitted.toString()).as(context).isEqualTo(expected.text());
            assertThat(stopped).as(context).isEqualTo(expected.stop());
        }
    }

    private record Reference(String text, Optional<String> stop) {}

    /** The first character where any stop string ends; of the stops ending there, the one starting earliest. */
    private static Reference reference(String text, List<String> stops, boolean include) {
        for (int end = 1; end <= text.length(); end++) {
            String best = null;
            for (String stop : stops) {
                if (text.substring(0, end).endsWith(stop) && (best == null || stop.length() > best.length())) {
                    best = stop;
                }
            }
            if (best != null) {
                return new Reference(text.substring(0, include ? end : end - best.length()), Optional.of(best));
            }
        }
        return new Reference(text, Optional.empty());
    }

    private static int heldBack(String seen, List<String> stops) {
        int held = 0;
        for (String stop : stops) {
            for (int length = 1; length < stop.length() && length <= seen.length(); length++) {
                if (seen.endsWith(stop.substring(0, length))) {
                    held = Math.max(held, length);
                }
            }
        }
        return held;
    }

    private static String randomText(Random random, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append("abc".charAt(random.nextInt(3)));
        }
        return text.toString();
    }

    private static StopStringOutput emit(String text) {
        return new StopStringOutput(text, Optional.empty());
    }
}
