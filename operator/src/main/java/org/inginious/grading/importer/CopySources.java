package org.inginious.grading.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * What the sources of one COPY or ADD select in the build context, and what Docker would do with
 * them.
 */
final class CopySources {
  /**
   * @param problem why Docker would refuse the sources (then {@code files} is empty)
   */
  record Selection(List<BuildContext.Selected> files, String problem) {}

  private CopySources() {}

  static boolean isUrl(String source) {
    String lower = source.toLowerCase(Locale.ROOT);
    return lower.startsWith("http://")
        || lower.startsWith("https://")
        || lower.startsWith("git@")
        || lower.startsWith("git://")
        || lower.startsWith("ssh://");
  }

  /** Local sources only (URLs are the caller's business); heredoc sources select nothing. */
  static Selection select(EvaluatedStage.FileCopy copy, BuildContext context) {
    List<BuildContext.Selected> files = new ArrayList<>();
    int line = copy.instruction().line();
    for (String source : copy.sources()) {
      if (isUrl(source) || source.startsWith("<<")) {
        continue;
      }
      String relative = ContextPaths.normalizeRelative(source);
      if (relative == null) {
        return new Selection(
            List.of(),
            copy.instruction().keyword()
                + " source '"
                + source
                + "' (line "
                + line
                + ") is outside the build context: docker build refuses it");
      }
      List<BuildContext.Selected> selected = context.select(relative);
      if (selected.isEmpty()) {
        return new Selection(
            List.of(),
            copy.instruction().keyword()
                + " source '"
                + source
                + "' (line "
                + line
                + ") matches no file of the build context: docker build fails there too");
      }
      files.addAll(selected);
    }
    return new Selection(files, null);
  }

  /**
   * Whether ADD would unpack this file: Docker looks at the content (tar, or tar inside
   * gzip/bzip2/xz/zstd), not at the name. Compressed formats other than gzip are taken as archives.
   */
  static boolean isArchive(BuildContext.ContextFile file) {
    byte[] head = new byte[512 + 257];
    int read;
    try (InputStream in = Files.newInputStream(file.file())) {
      read = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      return false;
    }
    byte[] start = Arrays.copyOf(head, read);
    if (startsWith(start, 0x1f, 0x8b)) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(file.file()))) {
        return isTar(in.readNBytes(512));
      } catch (IOException e) {
        return false;
      }
    }
    return startsWith(start, 'B', 'Z', 'h')
        || startsWith(start, 0xfd, '7', 'z', 'X', 'Z', 0x00)
        || startsWith(start, 0x28, 0xb5, 0x2f, 0xfd)
        || isTar(start);
  }

  private static boolean isTar(byte[] header) {
    return header.length >= 262
        && new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xff) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
