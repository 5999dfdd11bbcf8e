package org.inginious.grading.importer;

import java.util.ArrayList;
import java.util.List;

/**
 * The table `import` prints: one row per environment, its warnings one per line in the last column.
 */
final class ImportTable {
  private static final String[] HEADERS = {
    "ENVIRONMENT", "SOURCE", "BUILD", "BASE", "RUNTIME", "WARNINGS"
  };

  private ImportTable() {}

  static String render(ImportResult result) {
    List<String[]> rows = new ArrayList<>();
    for (ImportedEnvironment environment : result.environments()) {
      List<String> messages = new ArrayList<>();
      if (!environment.imported()) {
        messages.add("NOT IMPORTED: " + environment.failure());
      }
      messages.addAll(environment.warnings());
      String name = environment.environmentName();
      if (environment.metadataName() != null
          && !environment.metadataName().isEmpty()
          && !environment.metadataName().equals(name)) {
        name += " (" + environment.metadataName() + ")";
      }
      rows.add(
          new String[] {
            name,
            environment.source(),
            environment.build() == null ? "-" : environment.build(),
            environment.base(),
            environment.runtime(),
            messages.isEmpty() ? "-" : messages.get(0)
          });
      for (String message : messages.subList(Math.min(1, messages.size()), messages.size())) {
        rows.add(new String[] {"", "", "", "", "", message});
      }
    }
    int[] widths = new int[HEADERS.length - 1];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = HEADERS[i].length();
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, HEADERS, widths);
    rows.forEach(row -> line(out, row, widths));
    return out.toString();
  }

  private static void line(StringBuilder out, String[] cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      line.append(cells[i]).append(" ".repeat(widths[i] - cells[i].length() + 2));
    }
    line.append(cells[cells.length - 1]);
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
