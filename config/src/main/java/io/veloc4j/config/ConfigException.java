package io.veloc4j.config;

import io.veloc4j.VelocException;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used; carries every problem found, not just the first. */
public class ConfigException extends VelocException {
    private static final long serialVersionUID = 1L;

    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
