package ai.jllm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * Summary of a sample of values (latencies in milliseconds): mean and the 50th, 90th and 99th percentiles.
 *
 * <p>Percentiles use numpy's default definition ({@code method='linear'}, Hyndman and Fan's type 7): over the sorted
 * values x[0..n-1], the p-th percentile sits at rank h = (n − 1)·p/100 and is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * vLLM's and genai-perf's benchmark scripts compute theirs with numpy, so figures compare directly. An empty sample
 * has every figure 0 and {@code count} 0.
 */
public record Distribution(int count, double mean, double p50, double p90, double p99) {

    public static final Distribution EMPTY = new Distribution(0, 0, 0, 0, 0);

    public static Distribution of(double[] values) {
        if (values.length == 0) {
            return EMPTY;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double value : sorted) {
            sum += value;
        }
        return new Distribution(sorted.length, sum / sorted.length, percentile(sorted, 50), percentile(sorted, 90),
                percentile(sorted, 99));
    }

    /**
     * The p-th percentile (0 ≤ p ≤ 100) of values already sorted ascending, numpy's 'linear' method.
     *
     * @throws IllegalArgumentException for an empty array or p outside [0, 100]
     */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("the percentile of no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("a percentile is between 0 and 100, not " + p);
        }
        double rank = (sorted.length - 1) * p / 100.0;
        int below = (int) Math.floor(rank);
        if (below >= sorted.length - 1) {
            return sorted[sorted.length - 1];
        }
        double fraction = rank - below;
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
    }

    /** Reads back {@link #toJson}'s object (the count is not written, so it reads as 0). */
    public static Distribution fromJson(JsonNode node) {
        return new Distribution(0, node.path("mean").asDouble(), node.path("p50").asDouble(),
                node.path("p90").asDouble(), node.path("p99").asDouble());
    }

    /** {@code {"mean", "p50", "p90", "p99"}}. */
    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode();
        node.put("mean", mean);
        node.put("p50", p50);
        node.put("p90", p90);
        node.put("p99", p99);
        return node;
    }
}
