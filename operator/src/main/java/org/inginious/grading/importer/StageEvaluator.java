package org.inginious.grading.importer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Applies Docker's scoping of build arguments: an ARG before the first FROM is visible in FROM
 * lines only, unless a stage declares it again; an ARG in a stage is visible from there to the end
 * of that stage; ENV wins over ARG; build arguments given to `import` override defaults.
 */
public final class StageEvaluator {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param image the image with the global ARGs substituted ("scratch" included)
   * @param unsetArgs ARGs the FROM line uses that have no value
   * @param parent the stage of this file it names, or null
   */
  public record FromImage(String image, List<String> unsetArgs, Stage parent, Instruction from) {
    public boolean scratch() {
      return parent == null && image.equalsIgnoreCase("scratch");
    }
  }

  private final Dockerfile dockerfile;
  private final Map<String, String> buildArgs;

  /** Global ARGs: name -> value, empty when declared without one. */
  private final Map<String, Optional<String>> globals = new LinkedHashMap<>();

  public StageEvaluator(Dockerfile dockerfile, Map<String, String> buildArgs) {
    this.dockerfile = dockerfile;
    this.buildArgs = buildArgs;
    for (Instruction arg : dockerfile.globalArgs()) {
      for (String[] declaration : assignments(arg)) {
        globals.put(
            declaration[0],
            argValue(
                declaration,
                arg.escape(),
                name -> globals.getOrDefault(name, Optional.empty()),
                Optional.empty()));
      }
    }
  }

  public Map<String, Optional<String>> globals() {
    return globals;
  }

  public FromImage from(Stage stage) {
    List<String> unset = new ArrayList<>();
    String image =
        ShellWords.expand(
            stage.image(),
            stage.from().escape(),
            name -> {
              Optional<String> value = globals.getOrDefault(name, Optional.empty());
              if (value.isEmpty()) {
                unset.add(name);
              }
              return value;
            });
    return new FromImage(
        image,
        List.copyOf(new LinkedHashSet<>(unset)),
        dockerfile.stageNamed(image, stage.index()),
        stage.from());
  }

  public EvaluatedStage evaluate(Stage stage) {
    FromImage from = from(stage);
    State state = from.parent() == null ? new State(from) : new State(evaluate(from.parent()));
    state.chain.add(stage);
    // ARGs never cross a FROM: each stage starts with only the ones it declares
    Map<String, Optional<String>> args = new LinkedHashMap<>();
    for (Instruction instruction : stage.instructions()) {
      Scope scope = new Scope(args, state.env);
      switch (instruction.keyword()) {
        case "ARG" -> {
          for (String[] declaration : assignments(instruction)) {
            args.put(
                declaration[0],
                argValue(
                    declaration,
                    instruction.escape(),
                    scope,
                    globals.getOrDefault(declaration[0], Optional.empty())));
            state.declaredArgs.add(declaration[0]);
          }
        }
        case "ENV" -> {
          for (String[] pair : assignments(instruction)) {
            Scope tracking = new Scope(args, state.env);
            state.env.put(
                pair[0],
                ShellWords.expand(pair[1] == null ? "" : pair[1], instruction.escape(), tracking));
            if (!tracking.outOfScope.isEmpty() || !tracking.fromOutside.isEmpty()) {
              state.envFromOutside.add(pair[0]);
            } else {
              state.envFromOutside.remove(pair[0]);
            }
          }
        }
        case "LABEL" -> {
          for (String[] pair : assignments(instruction)) {
            Scope tracking = new Scope(args, state.env);
            String value =
                ShellWords.expand(pair[1] == null ? "" : pair[1], instruction.escape(), tracking);
            String withGlobals =
                ShellWords.expand(
                    pair[1] == null ? "" : pair[1],
                    instruction.escape(),
                    name -> {
                      Optional<String> inScope = scope.get(name);
                      return inScope.isPresent()
                          ? inScope
                          : globals.getOrDefault(name, Optional.empty());
                    });
            state.labels.remove(pair[0]);
            state.labels.put(
                pair[0],
                new EvaluatedStage.LabelValue(
                    value,
                    instruction.line(),
                    List.copyOf(tracking.outOfScope),
                    List.copyOf(tracking.fromOutside),
                    withGlobals));
            state.ownLabels.add(pair[0]);
          }
        }
        case "WORKDIR" -> {
          String path = ShellWords.expand(instruction.arguments(), instruction.escape(), scope);
          if (path.startsWith("/")) {
            state.workdir = ContextPaths.normalizeAbsolute(path);
          } else if (state.workdir != null) {
            state.workdir = ContextPaths.normalizeAbsolute(state.workdir + "/" + path);
          } else {
            state.workdirFromOutside = true;
          }
        }
        case "USER" -> {
          state.user = ShellWords.expand(instruction.arguments(), instruction.escape(), scope);
          state.userLine = instruction.line();
        }
        case "COPY", "ADD" -> state.copies.add(copy(instruction, scope, state));
        default -> {}
      }
    }
    return new EvaluatedStage(
        stage,
        List.copyOf(state.chain),
        state.root,
        state.labels,
        state.ownLabels,
        state.env,
        state.envFromOutside,
        state.workdir,
        state.workdirFromOutside,
        state.user,
        state.userLine,
        List.copyOf(state.copies),
        state.declaredArgs);
  }

  private static EvaluatedStage.FileCopy copy(Instruction instruction, Scope scope, State state) {
    char escape = instruction.escape();
    List<String> operands =
        jsonForm(instruction)
            .map(
                elements ->
                    elements.stream()
                        .map(element -> expandLiteral(element, escape, scope))
                        .toList())
            .orElseGet(
                () ->
                    instruction.operands().stream()
                        .map(word -> ShellWords.expand(word, escape, scope))
                        .toList());
    List<String> sources =
        operands.isEmpty() ? List.of() : operands.subList(0, operands.size() - 1);
    String destination = operands.isEmpty() ? "" : operands.get(operands.size() - 1);
    return new EvaluatedStage.FileCopy(
        instruction,
        List.copyOf(sources),
        destination,
        state.workdirFromOutside ? null : state.workdir);
  }

  /** Substitutes variables in an already unquoted string (a JSON-form element). */
  private static String expandLiteral(String text, char escape, ShellWords.Variables scope) {
    String quoted =
        text.replace(String.valueOf(escape), escape + String.valueOf(escape))
            .replace("\"", escape + "\"");
    return ShellWords.expand("\"" + quoted + "\"", escape, scope);
  }

  /** COPY ["a b", "/dest/"]: the JSON form, for paths with blanks. */
  private static Optional<List<String>> jsonForm(Instruction instruction) {
    String text = String.join(" ", instruction.operands()).strip();
    if (!text.startsWith("[")) {
      return Optional.empty();
    }
    try {
      return Optional.of(List.of(JSON.readValue(text, String[].class)));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /** ARG value: a build argument given to import, else the default, else the fallback. */
  private Optional<String> argValue(
      String[] declaration, char escape, ShellWords.Variables scope, Optional<String> fallback) {
    if (buildArgs.containsKey(declaration[0])) {
      return Optional.of(buildArgs.get(declaration[0]));
    }
    if (declaration[1] != null) {
      return Optional.of(ShellWords.expand(declaration[1], escape, scope));
    }
    return fallback;
  }

  /**
   * NAME=VALUE words (raw values, quotes kept), or the legacy one-pair form {@code ENV NAME VALUE}.
   * ARG names without '=' get a null value.
   */
  static List<String[]> assignments(Instruction instruction) {
    List<String> words = ShellWords.split(instruction.arguments(), instruction.escape());
    List<String[]> pairs = new ArrayList<>();
    if (words.isEmpty()) {
      return pairs;
    }
    if (!instruction.keyword().equals("ARG")
        && equalsOutsideQuotes(words.get(0), instruction.escape()) < 0) {
      String rest = instruction.arguments().strip().substring(words.get(0).length()).strip();
      pairs.add(
          new String[] {
            ShellWords.expand(words.get(0), instruction.escape(), n -> Optional.empty()), rest
          });
      return pairs;
    }
    for (String word : words) {
      pairs.add(assignment(word, instruction.escape()));
    }
    return pairs;
  }

  /** NAME=VALUE as {name, raw value}; a bare NAME as {name, null}. */
  static String[] assignment(String word, char escape) {
    int equals = equalsOutsideQuotes(word, escape);
    if (equals < 0) {
      return new String[] {word, null};
    }
    return new String[] {
      ShellWords.expand(word.substring(0, equals), escape, n -> Optional.empty()),
      word.substring(equals + 1)
    };
  }

  private static int equalsOutsideQuotes(String word, char escape) {
    char quote = 0;
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (c == escape && quote != '\'') {
        i++;
      } else if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '=') {
        return i;
      }
    }
    return -1;
  }

  /** Variables of a stage at one point: ENV, then its ARGs; records what it could not resolve. */
  private final class Scope implements ShellWords.Variables {
    private final Map<String, Optional<String>> args;
    private final Map<String, String> env;
    final List<String> outOfScope = new ArrayList<>();
    final List<String> fromOutside = new ArrayList<>();

    Scope(Map<String, Optional<String>> args, Map<String, String> env) {
      this.args = args;
      this.env = env;
    }

    @Override
    public Optional<String> get(String name) {
      if (env.containsKey(name)) {
        return Optional.of(env.get(name));
      }
      if (args.containsKey(name) && args.get(name).isPresent()) {
        return args.get(name);
      }
      if (!args.containsKey(name) && globals.containsKey(name)) {
        outOfScope.add(name);
      } else {
        fromOutside.add(name);
      }
      return Optional.empty();
    }
  }

  /** What a stage inherits from its parent stage: everything but its ARGs. */
  private static final class State {
    final List<Stage> chain = new ArrayList<>();
    final FromImage root;
    final Map<String, EvaluatedStage.LabelValue> labels = new LinkedHashMap<>();
    final Set<String> ownLabels = new LinkedHashSet<>();
    final Map<String, String> env = new LinkedHashMap<>();
    final Set<String> envFromOutside = new LinkedHashSet<>();
    final List<EvaluatedStage.FileCopy> copies = new ArrayList<>();
    final Set<String> declaredArgs = new LinkedHashSet<>();
    String workdir;
    boolean workdirFromOutside;
    String user;
    int userLine;

    State(FromImage root) {
      this.root = root;
    }

    State(EvaluatedStage parent) {
      root = parent.root();
      chain.addAll(parent.chain());
      labels.putAll(parent.labels());
      env.putAll(parent.env());
      envFromOutside.addAll(parent.envFromOutside());
      copies.addAll(parent.copies());
      declaredArgs.addAll(parent.declaredArgs());
      workdir = parent.workdir();
      workdirFromOutside = parent.workdirFromOutside();
      user = parent.user();
      userLine = parent.userLine();
    }
  }
}
