/* Style functions for the area-potential maps (dash-leaflet functional props).
 *
 * dash-leaflet resolves {"variable": "cockpitAreas.style"} to window.cockpitAreas.style
 * (no eval, so a strict script-src 'self' CSP is enough). Colours and the selected area come
 * through the GeoJSON component's `hideout`, so changing the selection resends no geometry.
 */
(function () {
  "use strict";

  var KIND_COLOURS = {
    gewerbe: "#0072B2",
    industrie: "#D55E00",
    brache: "#7B3294"
  };
  // Fill opacity encodes the marketing status (legend in the page).
  var STATUS_FILL = {
    verfuegbar: 0.55,
    reserviert: 0.38,
    in_entwicklung: 0.25,
    vermarktet: 0.12,
    nicht_verfuegbar: 0.04
  };

  function areaStyle(feature, context) {
    var p = (feature && feature.properties) || {};
    var hideout = (context && context.hideout) || {};
    var colour = KIND_COLOURS[p.kind] || "#444444";
    var selected = hideout.selected !== undefined && hideout.selected !== null &&
      String(p.id) === String(hideout.selected);
    var style = {
      color: colour,
      fillColor: colour,
      weight: selected ? 5 : 2,
      opacity: 1,
      fillOpacity: STATUS_FILL[p.status] !== undefined ? STATUS_FILL[p.status] : 0.3
    };
    if (p.stale) {
      // Not confirmed within the stale period: dashed outline (badge in table/detail).
      style.dashArray = "6 5";
    }
    if (p.deleted) {
      style.dashArray = "2 6";
      style.fillOpacity = 0.02;
    }
    if (selected) {
      style.color = "#111111";
    }
    return style;
  }

  function boundaryStyle() {
    return {color: "#6b6b6b", weight: 1, fill: true, fillColor: "#f4f4f1", fillOpacity: 1};
  }

  function highlightStyle() {
    return {color: "#111111", weight: 4, fillOpacity: 0, dashArray: null};
  }

  function areaTooltip(feature, layer) {
    var p = (feature && feature.properties) || {};
    if (p.tooltip) {
      layer.bindTooltip(p.tooltip, {sticky: true});
    }
  }

  function boundaryTooltip(feature, layer) {
    var p = (feature && feature.properties) || {};
    var name = p.name || p.GEN || "";
    if (name) {
      layer.bindTooltip(name, {sticky: true, className: "fl-boundary-tooltip"});
    }
  }

  window.cockpitAreas = {
    style: areaStyle,
    boundaryStyle: boundaryStyle,
    highlightStyle: highlightStyle,
    tooltip: areaTooltip,
    boundaryTooltip: boundaryTooltip
  };

  // German texts for Leaflet.draw (the library ships English only). dash-leaflet loads it
  // lazily, so patch L.drawLocal once it exists and translate toolbars already rendered.
  var DRAW_TITLES = {
    "leaflet-draw-draw-polygon": "Fläche zeichnen (Polygon)",
    "leaflet-draw-draw-rectangle": "Rechteck zeichnen",
    "leaflet-draw-edit-edit": "Geometrie bearbeiten",
    "leaflet-draw-edit-remove": "Gezeichnete Geometrie löschen"
  };
  var patchedLocal = false;

  function patchDrawLocal() {
    if (patchedLocal || !window.L || !window.L.drawLocal) {
      return;
    }
    var d = window.L.drawLocal;
    d.draw.toolbar.actions = {title: "Zeichnen abbrechen", text: "Abbrechen"};
    d.draw.toolbar.finish = {title: "Zeichnen beenden", text: "Fertig"};
    d.draw.toolbar.undo = {title: "Letzten Punkt löschen", text: "Letzten Punkt löschen"};
    d.draw.toolbar.buttons.polygon = DRAW_TITLES["leaflet-draw-draw-polygon"];
    d.draw.toolbar.buttons.rectangle = DRAW_TITLES["leaflet-draw-draw-rectangle"];
    d.draw.handlers.polygon.tooltip = {
      start: "Klicken Sie, um die Fläche zu beginnen.",
      cont: "Klicken Sie, um weitere Eckpunkte zu setzen.",
      end: "Klicken Sie auf den ersten Punkt, um die Fläche zu schließen."
    };
    d.draw.handlers.rectangle.tooltip = {start: "Klicken und ziehen Sie das Rechteck."};
    d.draw.handlers.simpleshape.tooltip = {end: "Maustaste loslassen, um abzuschließen."};
    d.edit.toolbar.actions.save = {title: "Änderungen übernehmen", text: "Übernehmen"};
    d.edit.toolbar.actions.cancel = {title: "Bearbeitung abbrechen", text: "Abbrechen"};
    d.edit.toolbar.actions.clearAll = {title: "Alles löschen", text: "Alles löschen"};
    d.edit.toolbar.buttons.edit = DRAW_TITLES["leaflet-draw-edit-edit"];
    d.edit.toolbar.buttons.editDisabled = "Keine Geometrie zum Bearbeiten";
    d.edit.toolbar.buttons.remove = DRAW_TITLES["leaflet-draw-edit-remove"];
    d.edit.toolbar.buttons.removeDisabled = "Keine Geometrie zum Löschen";
    d.edit.handlers.edit.tooltip = {
      text: "Ziehen Sie die Eckpunkte, um die Fläche zu ändern.",
      subtext: "„Abbrechen“ verwirft die Änderungen."
    };
    d.edit.handlers.remove.tooltip = {text: "Klicken Sie auf eine Geometrie, um sie zu löschen."};
    patchedLocal = true;
  }

  function translateToolbars(root) {
    patchDrawLocal();
    Object.keys(DRAW_TITLES).forEach(function (cls) {
      var links = root.querySelectorAll ? root.querySelectorAll("a." + cls) : [];
      Array.prototype.forEach.call(links, function (link) {
        // Only write when different: writing text triggers the observer again.
        if (link.getAttribute("title") !== DRAW_TITLES[cls]) {
          link.setAttribute("title", DRAW_TITLES[cls]);
        }
        var label = link.querySelector(".sr-only");
        if (label && label.textContent !== DRAW_TITLES[cls]) {
          label.textContent = DRAW_TITLES[cls];
        }
      });
    });
  }

  // A 2-ha area is under one pixel wide at district zoom, and Leaflet then draws nothing
  // for it: the district map looked empty. Polygons smaller than MIN_PX are drawn as a
  // MIN_PX square at their centre instead (same style, still clickable), like the point
  // symbols of small features in desktop GIS; from the zoom where the shape is visible on,
  // Leaflet draws the real outline again.
  var MIN_PX = 7;
  var patchedPolygons = false;

  function patchSmallPolygons() {
    if (patchedPolygons || !window.L || !window.L.Polygon) {
      return;
    }
    var clip = window.L.Polygon.prototype._clipPoints;
    window.L.Polygon.prototype._clipPoints = function () {
      clip.call(this);
      if (!this._rings || !this._rings.length || !this._renderer) {
        return;
      }
      // the outline's own pixel extent (_pxBounds is padded by the click tolerance)
      var shape = window.L.bounds([].concat.apply([], this._rings));
      var size = shape.getSize();
      if (size.x >= MIN_PX || size.y >= MIN_PX) {
        return;
      }
      var bounds = this._renderer._bounds;
      var centre = shape.getCenter();
      if (bounds && !bounds.contains(centre)) {
        return;
      }
      var h = MIN_PX / 2;
      var P = window.L.point;
      this._parts = [[
        P(centre.x - h, centre.y - h), P(centre.x + h, centre.y - h),
        P(centre.x + h, centre.y + h), P(centre.x - h, centre.y + h)
      ]];
    };
    patchedPolygons = true;
  }

  function onDomChange() {
    patchSmallPolygons();
    translateToolbars(document);
  }

  function startObserver() {
    onDomChange();
    new MutationObserver(function (mutations) {
      for (var i = 0; i < mutations.length; i++) {
        if (mutations[i].addedNodes.length) {
          onDomChange();
          return;
        }
      }
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startObserver);
  } else {
    startObserver();
  }
})();
