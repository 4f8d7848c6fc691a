package ai.jllm.cli;

import ai.jllm.JllmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `jllm` command: one subcommand per job. */
@Command(
        name = "jllm",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "LLM inference engine and server for the JVM.",
        subcommands = {CommandLine.HelpCommand.class, ServeCommand.class, GenerateCommand.class, ChatTemplateCommand.class,
                TokenizeCommand.class, DetokenizeCommand.class, DownloadCommand.class, BuildCommand.class, BenchCommand.class,
                EvalCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code; tests call this instead of {@link #main}. */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            if (exception instanceof JllmException) {
                cmd.getErr().println("error: " + exception.getMessage());
                return 1;
            }
            throw exception;
        });
        return commandLine.execute(args);
    }
}
