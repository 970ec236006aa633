// examples/designs.ts: an SVG template and a font from file inputs, then their previews.
import {
  type BadgesClient,
  fontPreview,
  type Schemas,
  templatePreview,
  uploadFont,
  uploadTemplate,
} from "@badges/client";

export async function addTemplate(
  client: BadgesClient,
  svg: File,
  name: string,
): Promise<{ template: Schemas["BadgeTemplate"]; image: Blob }> {
  const template = await uploadTemplate(client, { file: svg, name }); // 422 errors.file says why not
  const image = await templatePreview(client, template.id); // PNG: URL.createObjectURL(image)
  return { template, image };
}

export async function addFont(client: BadgesClient, file: File): Promise<{ font: Schemas["Font"]; image: Blob }> {
  const font = await uploadFont(client, file); // 201 new, 200 when the same file was uploaded before
  const image = await fontPreview(client, font.id, { text: "Ada Lovelace", size: 48 });
  return { font, image };
}
