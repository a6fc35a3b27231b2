"""The import wizard plugin's upload route (`/plugin/importwizard`, specs/molgenis_importwizard.yaml): EMX archives into
the same model and store as the REST APIs."""
