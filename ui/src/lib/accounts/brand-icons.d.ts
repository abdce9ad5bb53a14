// The brand icon index the build makes from simple-icons (build/brand-icons.ts).
declare module "virtual:brand-icons" {
  /** [slug, title, hex colour, other names…] per icon. */
  export const icons: string[][];
}
