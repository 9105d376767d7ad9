export const fixture = "web chat test fixture";
