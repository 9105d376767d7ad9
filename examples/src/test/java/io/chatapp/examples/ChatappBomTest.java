package io.chatapp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * chatapp-bom has no parent (so that importing it brings no third-party versions), so nothing but
 * this test keeps it in step with the build: its version is the project's, and it lists every
 * library module of the root pom at that version.
 */
class ChatappBomTest {
  /** Root modules that are not libraries: the apps and the BOM itself. */
  private static final Set<String> NOT_LIBRARIES = Set.of("examples", "benchmarks", "chatapp-bom");

  @Test
  void bomListsEveryLibraryModuleAtTheProjectVersion() throws Exception {
    Element root = read(Path.of("..", "pom.xml"));
    Element bom = read(Path.of("..", "chatapp-bom", "pom.xml"));
    assertEquals(child(root, "version"), child(bom, "version"), "chatapp-bom's version");

    List<String> managed = new ArrayList<>();
    NodeList dependencies = bom.getElementsByTagName("dependency");
    for (int i = 0; i < dependencies.getLength(); i++) {
      Element dependency = (Element) dependencies.item(i);
      assertEquals("io.chatapp", child(dependency, "groupId"));
      assertEquals("${project.version}", child(dependency, "version"), child(dependency, "artifactId"));
      managed.add(child(dependency, "artifactId"));
    }
    NodeList modules = root.getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      if (!NOT_LIBRARIES.contains(module)) {
        assertTrue(managed.contains(module), "library module " + module + " is missing from chatapp-bom: " + managed);
      }
    }
  }

  private static Element read(Path pom) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document document = factory.newDocumentBuilder().parse(pom.toFile());
    return document.getDocumentElement();
  }

  /** The text of an element's direct child, or "" if it has none. */
  private static String child(Element parent, String name) {
    NodeList children = parent.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().trim();
      }
    }
    return "";
  }
}
