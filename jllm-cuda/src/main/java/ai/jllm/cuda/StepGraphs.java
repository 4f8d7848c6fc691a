package ai.jllm.cuda;

import ai.jllm.backend.StepShape;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * CUDA graphs of whole decode steps, one per step shape. The first step of a shape runs eagerly (it creates what the
 * ops create lazily: matmul plans, workspaces), the second is captured from the stream and launched, and every later
 * one is a single graph launch instead of a few hundred kernel launches.
 */
final class StepGraphs implements AutoCloseable {

    private record Recorded(long graph, long executable) {}

    private final CudaDriver driver;
    private final long stream;
    private final Map<StepShape, Recorded> recorded = new HashMap<>();
    private final Set<StepShape> warmedUp = new HashSet<>();

    StepGraphs(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
    }

    void run(StepShape shape, Runnable ops) {
        Recorded graph = recorded.get(shape);
        if (graph != null) {
            driver.graphLaunch(graph.executable(), stream);
            return;
        }
        if (warmedUp.add(shape)) {
            ops.run();
            return;
        }
        driver.beginCapture(stream);
        long captured;
        try {
            ops.run();
        } catch (RuntimeException e) {
            try {
                driver.graphDestroy(driver.endCapture(stream));
            } catch (CudaException ignored) {
                // The capture is already invalid; the op's own failure is the one to report.
            }
            throw e;
        }
        captured = driver.endCapture(stream);
        long executable = driver.graphInstantiate(captured);
        recorded.put(shape, new Recorded(captured, executable));
        driver.graphLaunch(executable, stream);
    }

    int size() {
        return recorded.size();
    }

    /** Forgets every recording: a buffer they captured has moved. */
    void clear() {
        for (Recorded graph : recorded.values()) {
            driver.graphExecDestroy(graph.executable());
            driver.graphDestroy(graph.graph());
        }
        recorded.clear();
        warmedUp.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
