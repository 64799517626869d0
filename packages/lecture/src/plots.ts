/**
 * Plots to SVG in Node: a Vega-Lite spec compiles to Vega (`vl.compile(spec).spec`), a headless
 * Vega view (`renderer: 'none'`) renders it to an SVG string. No canvas is needed for SVG (text
 * widths are estimated), and nothing is fetched: the loader refuses every URL, so a spec must
 * carry its data inline and the report stays self-contained.
 */
import type { Plot } from '@recurrent/tasks'

/**
 * The SVG markup of a plot. Rejects when the spec does not compile, does not render, or names a
 * URL to load (data, an image): the loader refuses it and the plot fails instead of coming out
 * empty.
 */
export const renderPlot = async (plot: Plot): Promise<string> => {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')])
  const compiled = vl.compile(plot.spec as unknown as Parameters<typeof vl.compile>[0]).spec
  const refused: unknown[] = []
  const refuse = (uri: unknown): Promise<never> => {
    refused.push(uri)
    return Promise.reject(new Error(`refusing to load ${JSON.stringify(uri)}`))
  }
  const loader = { ...vega.loader(), load: refuse, sanitize: refuse, http: refuse, file: refuse }
  const view = new vega.View(vega.parse(compiled), {
    renderer: 'none',
    loader: loader as unknown as ReturnType<typeof vega.loader>,
  })
  try {
    const svg = await view.toSVG()
    if (refused.length > 0)
      throw new Error(`plots carry their data inline; the spec names ${JSON.stringify(refused[0])}`)
    return svg
  } finally {
    view.finalize()
  }
}
