package ai.jllm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.eval.PerplexityWindows.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerplexityWindowsTest {

    @Test
    void overlappingWindowsScoreEveryTokenAfterTheFirstOnce() {
        // 10 tokens, windows of 4 every 2: [0,4) scores 1..3, [2,6) scores 4..5, [4,8) 6..7, [6,10) 8..9.
        assertThat(PerplexityWindows.plan(10, 4, 2)).containsExactly(new Window(0, 4, 1), new Window(2, 6, 4),
                new Window(4, 8, 6), new Window(6, 10, 8));
    }

    @Test
    void disjointWindowsLoseTheFirstTokenOfEach() {
        // Stride = window: a window's first token has no context in it and is not scored.
        assertThat(PerplexityWindows.plan(10, 4, 4)).containsExactly(new Window(0, 4, 1), new Window(4, 8, 5),
                new Window(8, 10, 9));
    }

    @Test
    void aShortTextIsOneWindowAndTheLastWindowIsCut() {
        assertThat(PerplexityWindows.plan(3, 8, 4)).containsExactly(new Window(0, 3, 1));
        assertThat(PerplexityWindows.plan(7, 4, 3)).containsExactly(new Window(0, 4, 1), new Window(3, 7, 4));
        assertThat(PerplexityWindows.plan(1, 4, 2)).isEmpty();
    }

    @Test
    void everyPositionIsScoredExactlyOnce() {
        for (int n : new int[] {2, 17, 100, 1000}) {
            for (int[] shape : new int[][] {{16, 8}, {16, 16}, {16, 1}, {64, 48}}) {
                int[] seen = new int[n];
                for (Window w : PerplexityWindows.plan(n, shape[0], shape[1])) {
                    assertThat(w.end() - w.begin()).isLessThanOrEqualTo(shape[0]);
                    for (int p = w.firstTarget(); p < w.end(); p++) {
                        seen[p]++;
                    }
                }
                assertThat(seen[0]).isZero();
                for (int p = 1; p < n; p++) {
                    // Only disjoint windows leave tokens unscored: the first of each window.
                    assertThat(seen[p]).isLessThanOrEqualTo(1);
                    if (shape[1] < shape[0]) {
                        assertThat(seen[p]).as("n %d window %d stride %d position %d", n, shape[0], shape[1], p)
                                .isEqualTo(1);
                    }
                }
            }
        }
    }

    @Test
    void perplexityFromKnownLogprobs() {
        // Three tokens with probabilities 1/2, 1/4 and 1/8: mean NLL = ln 2 · (1 + 2 + 3) / 3 = 2 ln 2, perplexity 4.
        Perplexity perplexity = new Perplexity();
        for (double p : new double[] {0.5, 0.25, 0.125}) {
            perplexity.add(Math.log(p));
        }
        assertThat(perplexity.tokens()).isEqualTo(3);
        assertThat(perplexity.meanNll()).isCloseTo(2 * Math.log(2), within(1e-12));
        assertThat(perplexity.perplexity()).isCloseTo(4.0, within(1e-12));
        // A uniform model over 32000 tokens has perplexity 32000.
        Perplexity uniform = new Perplexity();
        for (int i = 0; i < 50; i++) {
            uniform.add(-Math.log(32000));
        }
        assertThat(uniform.perplexity()).isCloseTo(32000, within(1e-6));
    }
}
