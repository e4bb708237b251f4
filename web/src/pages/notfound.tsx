import { useI18n } from "../i18n";
import { Title } from "./common";

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <Title>{t("notFoundTitle")}</Title>
      <p><a href="#/">{t("backHome")}</a></p>
    </section>
  );
}
