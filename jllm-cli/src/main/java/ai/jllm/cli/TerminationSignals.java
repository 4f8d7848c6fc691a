package ai.jllm.cli;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT for a long-running command: the first starts a graceful stop, a second one exits at once.
 * Handling the signals (rather than a shutdown hook) lets the process finish its work and exit with status 0, as
 * container orchestrators expect from a clean stop. {@code sun.misc.Signal} lives in jdk.unsupported, which the
 * runtime image includes; javac warns about it and cannot be told otherwise.
 */
final class TerminationSignals {

    private TerminationSignals() {}

    /**
     * @param onFirst called with the signal's name (TERM, INT) on a thread of its own: a signal handler must return
     */
    static void onTermination(Consumer<String> onFirst, Runnable onSecond) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), signal -> {
                if (stopping.getAndSet(true)) {
                    onSecond.run();
                    return;
                }
                Thread.ofPlatform().name("jllm-stop").start(() -> onFirst.accept(signal.getName()));
            });
        }
    }
}
