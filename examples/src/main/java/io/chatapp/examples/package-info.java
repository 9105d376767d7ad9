/**
 * Reference applications: thin mains that compose the library's modules into a server and a
 * terminal client. The behaviour lives in the library; these classes only wire and print.
 *
 * <p>May depend on every chatapp module.
 */
package io.chatapp.examples;
