package ai.jllm.server.metrics;

import java.util.concurrent.atomic.DoubleAdder;

/** A monotonically increasing value, updated from any thread without contention. */
public final class Counter {

    private final DoubleAdder value = new DoubleAdder();

    public void increment() {
        value.add(1);
    }

    public void add(double amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("a counter only goes up, got " + amount);
        }
        value.add(amount);
    }

    public double value() {
        return value.sum();
    }
}
