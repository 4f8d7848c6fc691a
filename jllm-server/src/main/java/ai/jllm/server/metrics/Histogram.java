package ai.jllm.server.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * Observations counted into fixed buckets, as Prometheus histograms are: each bucket counts the observations at or
 * below its upper bound; the last bucket is +Inf.
 */
public final class Histogram {

    private final double[] upperBounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    /** @param upperBounds finite, strictly increasing bucket bounds; +Inf is added after them */
    public Histogram(double... upperBounds) {
        for (int i = 0; i < upperBounds.length; i++) {
            if (!Double.isFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must be finite and increasing: "
                        + Arrays.toString(upperBounds));
            }
        }
        this.upperBounds = upperBounds.clone();
        this.counts = new AtomicLongArray(upperBounds.length + 1);
    }

    public void observe(double value) {
        int bucket = Arrays.binarySearch(upperBounds, value);
        // An exact match belongs to its own bucket (le is inclusive); otherwise to the first bound above it.
        counts.incrementAndGet(bucket >= 0 ? bucket : -bucket - 1);
        sum.add(value);
    }

    /** Bucket bounds without the final +Inf. */
    double[] upperBounds() {
        return upperBounds.clone();
    }

    /** Cumulative counts per bucket, +Inf last (which is the total count). */
    long[] cumulativeCounts() {
        long[] cumulative = new long[counts.length()];
        long running = 0;
        for (int i = 0; i < cumulative.length; i++) {
            running += counts.get(i);
            cumulative[i] = running;
        }
        return cumulative;
    }

    public long count() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    public double sum() {
        return sum.sum();
    }
}
