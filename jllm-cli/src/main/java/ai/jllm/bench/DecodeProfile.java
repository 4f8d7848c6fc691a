package ai.jllm.bench;

import static ai.jllm.bench.MarkdownTable.figure;

import ai.jllm.backend.DeviceStepTime;
import ai.jllm.engine.StepPhases;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Where the decode steps of a benchmark spent their time: the mean of every host phase ({@link StepPhases}) and, when
 * the backend timed them, of the GPU's forward pass and sampling. The host phases add up to the step; the GPU figures
 * show how much of it the device was busy (the rest is host time the GPU waits through, unless steps overlap).
 */
public final class DecodeProfile {

    private final List<StepPhases> steps;

    public DecodeProfile(List<StepPhases> steps) {
        this.steps = List.copyOf(steps);
    }

    /** A table in microseconds: one row per phase, mean and p50; last the share of steps overlapped. */
    public String render() {
        MarkdownTable table = new MarkdownTable("decode step phase (µs)", "mean", "p50");
        row(table, "schedule", StepPhases::scheduleNanos);
        row(table, "prepare (layout, sampling rows)", StepPhases::prepareNanos);
        row(table, "forward enqueued (upload, launch)", StepPhases::forwardNanos);
        row(table, "sample enqueued", StepPhases::sampleNanos);
        row(table, "wait for sampled tokens", StepPhases::waitNanos);
        row(table, "update (tokens, stops, detokenize)", StepPhases::updateNanos);
        row(table, "deliver", StepPhases::deliverNanos);
        if (steps.stream().anyMatch(step -> step.device().isPresent())) {
            deviceRow(table, "GPU forward (CUDA events)", step -> step.device().map(DeviceStepTime::forwardNanos));
            deviceRow(table, "GPU sampling (CUDA events)", step -> step.device().map(DeviceStepTime::sampleNanos));
        }
        table.row("steps with the next launched ahead", String.format("%.1f%%", 100 * overlappedShare()), "");
        return table.render();
    }

    public ObjectNode toJson(ObjectMapper json) {
        ObjectNode node = json.createObjectNode();
        node.put("schedule_us", mean(StepPhases::scheduleNanos));
        node.put("prepare_us", mean(StepPhases::prepareNanos));
        node.put("forward_us", mean(StepPhases::forwardNanos));
        node.put("sample_us", mean(StepPhases::sampleNanos));
        node.put("wait_us", mean(StepPhases::waitNanos));
        node.put("update_us", mean(StepPhases::updateNanos));
        node.put("deliver_us", mean(StepPhases::deliverNanos));
        node.put("overlapped_fraction", overlappedShare());
        if (steps.stream().anyMatch(step -> step.device().isPresent())) {
            node.put("gpu_forward_us", Distribution.of(micros(step -> step.device().map(DeviceStepTime::forwardNanos)))
                    .mean());
            node.put("gpu_sample_us", Distribution.of(micros(step -> step.device().map(DeviceStepTime::sampleNanos)))
                    .mean());
        }
        return node;
    }

    private void row(MarkdownTable table, String name, ToLongFunction<StepPhases> phase) {
        deviceRow(table, name, step -> Optional.of(phase.applyAsLong(step)));
    }

    private void deviceRow(MarkdownTable table, String name, Function<StepPhases, Optional<Long>> phase) {
        Distribution d = Distribution.of(micros(phase));
        table.row(name, figure(d.mean()), figure(d.p50()));
    }

    private double overlappedShare() {
        return steps.isEmpty() ? 0 : steps.stream().filter(StepPhases::overlapped).count() / (double) steps.size();
    }

    private double mean(ToLongFunction<StepPhases> phase) {
        return Distribution.of(micros(step -> Optional.of(phase.applyAsLong(step)))).mean();
    }

    private double[] micros(Function<StepPhases, Optional<Long>> phase) {
        return steps.stream().map(phase).flatMap(Optional::stream).mapToDouble(nanos -> nanos / 1e3).toArray();
    }
}
