// Matching brand icons to issuers as authenticator exports and websites write them.
import { describe, expect, it } from "vitest";
import { icons } from "virtual:brand-icons";
import { ALIASES, iconFor, indexOf, matchIcon, normalise } from "./icons";

const index = indexOf(icons);

// Issuer (as sites put it in their otpauth links or users type it) → the icon expected.
const ISSUERS: [string, string | null][] = [
  ["GitHub", "github"],
  ["github.com", "github"],
  ["GitLab", "gitlab"],
  ["gitlab.com", "gitlab"],
  ["Google", "google"],
  ["accounts.google.com", "google"],
  ["Google Workspace", "google"],
  ["Gmail", "gmail"],
  ["Facebook", "facebook"],
  ["Instagram", "instagram"],
  ["Twitter", "x"],
  ["X", "x"],
  ["Discord", "discord"],
  ["Dropbox", "dropbox"],
  ["Bitwarden", "bitwarden"],
  ["1Password", "1password"],
  ["Proton", "proton"],
  ["ProtonMail", "protonmail"],
  ["Proton Mail", "protonmail"],
  ["PayPal", "paypal"],
  ["Stripe", "stripe"],
  ["Cloudflare", "cloudflare"],
  ["DigitalOcean", "digitalocean"],
  ["npm", "npm"],
  ["npmjs", "npm"],
  ["PyPI", "pypi"],
  ["pypi.org", "pypi"],
  ["Docker Hub", "docker"],
  ["Twitch", "twitch"],
  ["Steam", "steam"],
  ["Epic Games", "epicgames"],
  ["Epic Games Store", "epicgames"],
  ["Battle.net", "battledotnet"],
  ["Blizzard", "battledotnet"],
  ["Ubisoft", "ubisoft"],
  ["Ubisoft Connect", "ubisoft"],
  ["EA", "ea"],
  ["Electronic Arts", "ea"],
  ["PlayStation Network", "playstation"],
  ["Reddit", "reddit"],
  ["Coinbase", "coinbase"],
  ["Binance", "binance"],
  ["KuCoin", "kucoin"],
  ["Mastodon", "mastodon"],
  ["mastodon.social", "mastodon"],
  ["Nextcloud", "nextcloud"],
  ["Tutanota", "tuta"],
  ["Tuta", "tuta"],
  ["Zoho", "zoho"],
  ["Evernote", "evernote"],
  ["Notion", "notion"],
  ["Figma", "figma"],
  ["Snapchat", "snapchat"],
  ["TikTok", "tiktok"],
  ["Uber", "uber"],
  ["Airbnb", "airbnb"],
  ["Atlassian", "atlassian"],
  ["Jira", "jira"],
  ["Trello", "trello"],
  ["Zoom", "zoom"],
  ["Okta", "okta"],
  ["Namecheap", "namecheap"],
  ["GoDaddy", "godaddy"],
  ["OVH", "ovh"],
  ["OVHcloud", "ovh"],
  ["Hetzner", "hetzner"],
  ["Vultr", "vultr"],
  ["Patreon", "patreon"],
  ["Kickstarter", "kickstarter"],
  ["WordPress", "wordpress"],
  ["WordPress.com", "wordpress"],
  ["Shopify", "shopify"],
  ["Tumblr", "tumblr"],
  ["Bitbucket", "bitbucket"],
  ["Vercel", "vercel"],
  ["Netlify", "netlify"],
  ["Sentry", "sentry"],
  ["Synology", "synology"],
  ["Tailscale", "tailscale"],
  ["Backblaze", "backblaze"],
  ["Wise", "wise"],
  ["Revolut", "revolut"],
  ["LastPass", "lastpass"],
  ["Dashlane", "dashlane"],
  ["KeePassXC", "keepassxc"],
  ["OKX", "okx"],
  // Not in the set, or not a brand: the coloured initials stay.
  ["Microsoft", null],
  ["Bank of Example", null],
  ["My Company VPN", null],
  ["login.example.org", null],
];

describe("matchIcon", () => {
  it("knows at least 50 common issuers", () => {
    expect(ISSUERS.filter(([, slug]) => slug !== null).length).toBeGreaterThanOrEqual(50);
  });

  it.each(ISSUERS)("%s → %s", (issuer, slug) => {
    expect(matchIcon(index, issuer)?.slug ?? null).toBe(slug);
  });

  it("takes the e-mail's domain when there is no issuer", () => {
    expect(matchIcon(index, "", "alice@proton.me")?.slug).toBe("proton");
    expect(matchIcon(index, "", "alice")).toBeNull();
  });

  it("ignores case, spaces, accents and punctuation", () => {
    expect(normalise("  Épic  Games! ")).toBe("epicgames");
    expect(matchIcon(index, "GITHUB")?.slug).toBe("github");
    expect(matchIcon(index, " bitwarden ")?.slug).toBe("bitwarden");
  });

  it("has every alias pointing at an icon of the set", () => {
    for (const slug of Object.values(ALIASES)) expect(index.bySlug.has(slug), slug).toBe(true);
  });

  it("lets the user pick another icon or none", () => {
    const github = { issuer: "GitHub", name: "octocat" };
    expect(iconFor(index, { ...github, icon: null })?.slug).toBe("github");
    expect(iconFor(index, { ...github, icon: "gitlab" })?.slug).toBe("gitlab");
    expect(iconFor(index, { ...github, icon: "" })).toBeNull();
    expect(iconFor(null, { ...github, icon: null })).toBeNull();
  });

  it("carries each brand's colour", () => {
    expect(matchIcon(index, "GitHub")?.hex).toMatch(/^[0-9A-F]{6}$/);
    expect(index.all.length).toBeGreaterThan(3000);
  });
});
