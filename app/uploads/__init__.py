"""Files kept between an import's preview and its confirmation, in the database so that any
app server can finish what another one previewed."""
