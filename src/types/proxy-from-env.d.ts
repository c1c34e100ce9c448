declare module "proxy-from-env" {
  /** The proxy URL for `url` from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY minus NO_PROXY (process.env), or "". */
  export function getProxyForUrl(url: string | URL): string;
}
